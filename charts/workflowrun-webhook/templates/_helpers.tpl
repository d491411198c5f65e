{{/* Names, labels and the serving certificate shared by every template. */}}

{{- define "workflowrun-webhook.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "workflowrun-webhook.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "workflowrun-webhook.selectorLabels" -}}
app.kubernetes.io/name: {{ include "workflowrun-webhook.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "workflowrun-webhook.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "workflowrun-webhook.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: admission-webhook
app.kubernetes.io/part-of: openchoreo
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "workflowrun-webhook.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "workflowrun-webhook.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false: name the existing ServiceAccount the webhook runs as" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "workflowrun-webhook.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "workflowrun-webhook.tlsSecretName" -}}
{{- if eq .Values.tls.mode "existingSecret" }}
{{- .Values.tls.existingSecret.name }}
{{- else }}
{{- printf "%s-tls" (include "workflowrun-webhook.fullname" .) }}
{{- end }}
{{- end }}

{{- define "workflowrun-webhook.certificateName" -}}
{{- printf "%s-serving" (include "workflowrun-webhook.fullname" .) }}
{{- end }}

{{/* The host of webhook.url without port or IPv6 brackets; empty when the webhook runs in the cluster. */}}
{{- define "workflowrun-webhook.urlHost" -}}
{{- if .Values.webhook.url }}
{{- regexReplaceAll ":[0-9]+$" (urlParse .Values.webhook.url).host "" | trimPrefix "[" | trimSuffix "]" }}
{{- end }}
{{- end }}

{{- define "workflowrun-webhook.urlHostIsIP" -}}
{{- $host := include "workflowrun-webhook.urlHost" . }}
{{- if or (regexMatch "^[0-9]+(\\.[0-9]+){3}$" $host) (contains ":" $host) }}true{{- end }}
{{- end }}

{{/* DNS names of the serving certificate, as a JSON list: the Service's names, plus webhook.url's host name. */}}
{{- define "workflowrun-webhook.dnsNames" -}}
{{- $service := include "workflowrun-webhook.fullname" . }}
{{- $namespace := .Release.Namespace }}
{{- $names := list $service (printf "%s.%s" $service $namespace) (printf "%s.%s.svc" $service $namespace) (printf "%s.%s.svc.%s" $service $namespace .Values.clusterDomain) }}
{{- $host := include "workflowrun-webhook.urlHost" . }}
{{- if and $host (not (include "workflowrun-webhook.urlHostIsIP" .)) }}
{{- $names = append $names $host }}
{{- end }}
{{- toJson $names }}
{{- end }}

{{/* IP addresses of the serving certificate, as a JSON list: webhook.url's host when it is an address. */}}
{{- define "workflowrun-webhook.ipAddresses" -}}
{{- if include "workflowrun-webhook.urlHostIsIP" . }}
{{- toJson (list (include "workflowrun-webhook.urlHost" .)) }}
{{- else }}
{{- toJson (list) }}
{{- end }}
{{- end }}

{{/*
The selfSigned mode's CA bundle and serving certificate, base64-encoded, as JSON: {caBundle, tlsCrt, tlsKey,
subjectNames, notAfter}. The Secret and both webhook configurations include this template, so it is computed once
per render and kept on the root context; otherwise each template would generate its own CA and the caBundle would
not match the certificate the pods serve.

On upgrade the Secret already in the cluster is reused, so caBundle and certificate never drift. A new CA and
certificate replace it only when the certificate expires within tls.selfSigned.renewBeforeDays, or when its subject
names no longer match (a renamed release or a changed webhook.url); the previous CA then stays in the bundle for
this release so pods still serving the old certificate (kubelet updates mounted Secrets within about a minute) stay
trusted. `helm template` and `--dry-run=client` cannot look the Secret up and so always show a fresh certificate.
Sprig's genCA cannot backdate notBefore: a client whose clock runs behind the machine that ran helm sees the
certificate as not yet valid for that difference.
*/}}
{{- define "workflowrun-webhook.selfSignedTLS" -}}
{{- if not (hasKey $ "workflowrunWebhookSelfSignedTLS") }}
{{- $subjectNames := printf "%s;%s" (include "workflowrun-webhook.dnsNames" . | fromJsonArray | join ",") (include "workflowrun-webhook.ipAddresses" . | fromJsonArray | join ",") }}
{{- $renewAfter := now | dateModify (printf "+%dh" (mul .Values.tls.selfSigned.renewBeforeDays 24 | int)) }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "workflowrun-webhook.tlsSecretName" .) | default dict }}
{{- $data := get $existing "data" | default dict }}
{{- $annotations := (get $existing "metadata" | default dict).annotations | default dict }}
{{- $existingNotAfter := get $annotations "workflowrun-webhook.openchoreo.dev/not-after" }}
{{- $reusable := and (get $data "ca.crt") (get $data "tls.crt") (get $data "tls.key") $existingNotAfter (eq (get $annotations "workflowrun-webhook.openchoreo.dev/subject-names") $subjectNames) }}
{{- if and $reusable (gt (toDate "2006-01-02T15:04:05Z07:00" $existingNotAfter).Unix $renewAfter.Unix) }}
{{- $_ := set $ "workflowrunWebhookSelfSignedTLS" (dict "caBundle" (get $data "ca.crt") "tlsCrt" (get $data "tls.crt") "tlsKey" (get $data "tls.key") "subjectNames" $subjectNames "notAfter" $existingNotAfter) }}
{{- else }}
{{- $days := int .Values.tls.selfSigned.validityDays }}
{{- $fullname := include "workflowrun-webhook.fullname" . }}
{{- $dnsNames := include "workflowrun-webhook.dnsNames" . | fromJsonArray }}
{{- $ca := genCA (printf "%s-ca" $fullname) $days }}
{{- $cert := genSignedCert (first $dnsNames) (include "workflowrun-webhook.ipAddresses" . | fromJsonArray) $dnsNames $days $ca }}
{{- $bundle := $ca.Cert }}
{{- with get $data "ca.crt" }}
{{- $previousCA := regexFind "(?s)-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----" (b64dec .) }}
{{- if $previousCA }}
{{- $bundle = printf "%s\n%s\n" (trim $ca.Cert) $previousCA }}
{{- end }}
{{- end }}
{{- $notAfter := now | dateModify (printf "+%dh" (mul $days 24 | int)) | date "2006-01-02T15:04:05Z07:00" }}
{{- $_ := set $ "workflowrunWebhookSelfSignedTLS" (dict "caBundle" (b64enc $bundle) "tlsCrt" (b64enc $cert.Cert) "tlsKey" (b64enc $cert.Key) "subjectNames" $subjectNames "notAfter" $notAfter) }}
{{- end }}
{{- end }}
{{- toJson (get $ "workflowrunWebhookSelfSignedTLS") }}
{{- end }}

{{/* The base64 caBundle for the webhook configurations; empty in certManager mode, where cainjector fills it. */}}
{{- define "workflowrun-webhook.caBundle" -}}
{{- if eq .Values.tls.mode "selfSigned" }}
{{- (include "workflowrun-webhook.selfSignedTLS" . | fromJson).caBundle }}
{{- else if eq .Values.tls.mode "existingSecret" }}
{{- .Values.tls.existingSecret.caBundle | b64enc }}
{{- end }}
{{- end }}

{{- define "workflowrun-webhook.webhookAnnotations" -}}
{{- if eq .Values.tls.mode "certManager" -}}
annotations:
  cert-manager.io/inject-ca-from: {{ printf "%s/%s" .Release.Namespace (include "workflowrun-webhook.certificateName" .) }}
{{- end }}
{{- end }}

{{/* clientConfig of one webhook; the argument is (list $ "/path"). */}}
{{- define "workflowrun-webhook.clientConfig" -}}
{{- $root := index . 0 }}
{{- $path := index . 1 -}}
clientConfig:
  {{- if $root.Values.webhook.url }}
  url: {{ printf "%s%s" (trimSuffix "/" $root.Values.webhook.url) $path | quote }}
  {{- else }}
  service:
    name: {{ include "workflowrun-webhook.fullname" $root }}
    namespace: {{ $root.Release.Namespace }}
    port: {{ $root.Values.service.port }}
    path: {{ $path }}
  {{- end }}
  {{- with include "workflowrun-webhook.caBundle" $root }}
  caBundle: {{ . }}
  {{- end }}
{{- end }}

{{/* Settings every webhook of both configurations shares. */}}
{{- define "workflowrun-webhook.commonWebhookFields" -}}
admissionReviewVersions: ["v1"]
sideEffects: None
matchPolicy: Equivalent
failurePolicy: {{ .Values.webhook.failurePolicy }}
timeoutSeconds: {{ .Values.webhook.timeoutSeconds }}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values:
        {{- range uniq (append .Values.webhook.excludedNamespaces .Release.Namespace) }}
        - {{ . | quote }}
        {{- end }}
{{- end }}

{{/* Impossible combinations of values; the MutatingWebhookConfiguration, rendered in every mode, includes this. */}}
{{- define "workflowrun-webhook.validate" -}}
{{- $pdb := .Values.podDisruptionBudget }}
{{- if and $pdb.enabled (not .Values.webhook.url) (ge (int $pdb.minAvailable) (int .Values.replicaCount)) }}
{{- fail (printf "podDisruptionBudget.minAvailable (%d) must be below replicaCount (%d): a budget that needs every replica available lets no webhook pod be evicted, so every node drain blocks. Raise replicaCount or set podDisruptionBudget.enabled=false." (int $pdb.minAvailable) (int .Values.replicaCount)) }}
{{- end }}
{{- if and (eq .Values.tls.mode "selfSigned") (ge (int .Values.tls.selfSigned.renewBeforeDays) (int .Values.tls.selfSigned.validityDays)) }}
{{- fail (printf "tls.selfSigned.renewBeforeDays (%d) must be below tls.selfSigned.validityDays (%d): otherwise every helm upgrade replaces the certificate it just generated" (int .Values.tls.selfSigned.renewBeforeDays) (int .Values.tls.selfSigned.validityDays)) }}
{{- end }}
{{- if and (eq .Values.tls.mode "existingSecret") (not .Values.tls.existingSecret.name) }}
{{- fail "tls.existingSecret.name is required when tls.mode is existingSecret: name the kubernetes.io/tls Secret holding tls.crt and tls.key" }}
{{- end }}
{{- if and (eq .Values.tls.mode "existingSecret") (not (contains "-----BEGIN CERTIFICATE-----" .Values.tls.existingSecret.caBundle)) }}
{{- fail "tls.existingSecret.caBundle is required when tls.mode is existingSecret: give the PEM CA certificate that signed the Secret's certificate, or the API server cannot trust the webhook" }}
{{- end }}
{{- if and (ne .Values.tls.mode "existingSecret") (or .Values.tls.existingSecret.name .Values.tls.existingSecret.caBundle) }}
{{- fail (printf "tls.existingSecret is set but tls.mode is %s: set tls.mode=existingSecret to use it, or remove it" .Values.tls.mode) }}
{{- end }}
{{- if and (ne .Values.tls.mode "certManager") .Values.tls.certManager.issuerRef }}
{{- fail (printf "tls.certManager.issuerRef is set but tls.mode is %s: set tls.mode=certManager to use it, or remove it" .Values.tls.mode) }}
{{- end }}
{{- if and .Values.webhook.url .Values.networkPolicy.enabled }}
{{- fail "networkPolicy.enabled cannot be combined with webhook.url: with webhook.url the webhook runs outside the cluster and the chart installs no pods to protect" }}
{{- end }}
{{- if and .Values.webhook.url .Values.serviceMonitor.enabled }}
{{- fail "serviceMonitor.enabled cannot be combined with webhook.url: with webhook.url the webhook runs outside the cluster and the chart installs no pods to scrape" }}
{{- end }}
{{- end }}

{{/*
The memory limit of the webhook container in MiB (0: none), read from a Kubernetes quantity: binary (Ki, Mi, Gi),
decimal (k, M, G) or plain bytes.
*/}}
{{- define "workflowrun-webhook.memoryLimitMiB" -}}
{{- $limit := dig "limits" "memory" "" (.Values.resources | default dict) }}
{{- if kindIs "float64" $limit }}
{{- div (int64 $limit) 1048576 }}
{{- else if eq (toString $limit) "" }}
{{- 0 }}
{{- else }}
{{- $text := toString $limit }}
{{- $number := regexFind "^[0-9]+" $text | default "0" | int64 }}
{{- $unit := trimPrefix (regexFind "^[0-9]+" $text) $text }}
{{- $bytes := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 }}
{{- if not (and (regexMatch "^[0-9]+[A-Za-z]*$" $text) (hasKey $bytes $unit)) }}
{{- fail (printf "resources.limits.memory %q: the chart reads Ki, Mi, Gi, k, M, G or plain bytes (it sizes the webhook's heap from it); write it in one of those, or set webhook.heapLimitPercent=0" $text) }}
{{- end }}
{{- div (mul $number (get $bytes $unit)) 1048576 }}
{{- end }}
{{- end }}

{{/*
V8's heap limit for the webhook in MiB (0: Node's own choice), webhook.heapLimitPercent of the memory limit.
*/}}
{{- define "workflowrun-webhook.heapLimitMiB" -}}
{{- $limitMiB := include "workflowrun-webhook.memoryLimitMiB" . | int64 }}
{{- $percent := int64 .Values.webhook.heapLimitPercent }}
{{- if or (eq $percent 0) (eq $limitMiB 0) }}
{{- 0 }}
{{- else }}
{{- $heapMiB := div (mul $limitMiB $percent) 100 }}
{{- if lt $heapMiB 64 }}
{{- fail (printf "webhook.heapLimitPercent (%d) of resources.limits.memory (%d MiB) leaves the webhook a %d MiB heap, below the 64 MiB it needs with a few Workflows: raise the limit or the percentage" $percent $limitMiB $heapMiB) }}
{{- end }}
{{- $heapMiB }}
{{- end }}
{{- end }}
