// The Helm chart rendered by the real helm binary, for the default values and every ci/*-values.yaml: what each
// TLS mode and option produces, and which values are refused with which message.
import { X509Certificate } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { expect } from 'chai';
import {
  chartDir,
  findObject,
  helm,
  kinds,
  NAMESPACE,
  RELEASE,
  renderChart,
  renderError,
  type K8sObject,
} from './chart-render.ts';

const FULLNAME = `${RELEASE}-workflowrun-webhook`;
const ciValueFiles = readdirSync(`${chartDir}/ci`)
  .filter((f) => f.endsWith('-values.yaml'))
  .sort();
const SERVICE_MONITOR_API = ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor'];

function webhooksOf(objects: K8sObject[]): K8sObject[] {
  return objects
    .filter((o) => o.kind === 'MutatingWebhookConfiguration' || o.kind === 'ValidatingWebhookConfiguration')
    .flatMap((o) => o.webhooks as K8sObject[]);
}

function decode(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}

describe('chart: helm lint --strict', function () {
  this.timeout(30000);
  for (const file of ['(default values)', ...ciValueFiles]) {
    it(`passes for ${file}`, () => {
      const valuesArgs = file.startsWith('(') ? [] : ['--values', `${chartDir}/ci/${file}`];
      const result = helm(['lint', '--strict', chartDir, ...valuesArgs]);
      expect(result.status, result.stdout + result.stderr).to.equal(0);
    });
  }

  it('has one ci values file per TLS mode, plus HA off and NetworkPolicy on', () => {
    expect(ciValueFiles).to.deep.equal([
      'certmanager-values.yaml',
      'existingsecret-values.yaml',
      'ha-off-values.yaml',
      'networkpolicy-on-values.yaml',
      'selfsigned-values.yaml',
    ]);
  });
});

describe('chart: what every value file renders', function () {
  this.timeout(30000);
  for (const file of ['(default values)', ...ciValueFiles]) {
    describe(file, () => {
      let objects: K8sObject[];
      before(() => {
        objects = renderChart(file.startsWith('(') ? [] : ['--values', `${chartDir}/ci/${file}`]);
      });

      it('grants the webhook exactly get/list/watch on workflows and clusterworkflows', () => {
        const role = findObject(objects, 'ClusterRole', FULLNAME);
        expect(role.rules).to.deep.equal([
          {
            apiGroups: ['openchoreo.dev'],
            resources: ['workflows', 'clusterworkflows'],
            verbs: ['get', 'list', 'watch'],
          },
        ]);
        const binding = findObject(objects, 'ClusterRoleBinding', FULLNAME);
        expect(binding.roleRef).to.deep.equal({
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: FULLNAME,
        });
        expect(binding.subjects).to.deep.equal([
          { kind: 'ServiceAccount', name: FULLNAME, namespace: NAMESPACE },
        ]);
        expect(findObject(objects, 'ServiceAccount', FULLNAME).metadata.namespace).to.equal(NAMESPACE);
        expect(objects.filter((o) => /^(Cluster)?Role(Binding)?$/.test(o.kind))).to.have.length(2);
      });

      it('matches only openchoreo.dev resources, on CREATE and UPDATE, never subresources', () => {
        const webhooks = webhooksOf(objects);
        expect(webhooks.map((w) => w.name)).to.deep.equal([
          'mutate.workflowruns.openchoreo.dev',
          'validate.workflowruns.openchoreo.dev',
          'validate.workflows.openchoreo.dev',
        ]);
        const rules = Object.fromEntries(webhooks.map((w) => [w.name, w.rules]));
        const runRule = {
          apiGroups: ['openchoreo.dev'],
          apiVersions: ['v1alpha1'],
          resources: ['workflowruns'],
          operations: ['CREATE', 'UPDATE'],
          scope: 'Namespaced',
        };
        expect(rules['mutate.workflowruns.openchoreo.dev']).to.deep.equal([runRule]);
        expect(rules['validate.workflowruns.openchoreo.dev']).to.deep.equal([runRule]);
        expect(rules['validate.workflows.openchoreo.dev']).to.deep.equal([
          { ...runRule, resources: ['workflows', 'clusterworkflows'], scope: '*' },
        ]);
      });

      it('sets the safe admission fields and exempts kube-system and its own namespace', () => {
        for (const webhook of webhooksOf(objects)) {
          expect(webhook).to.include({
            sideEffects: 'None',
            matchPolicy: 'Equivalent',
            failurePolicy: 'Fail',
            timeoutSeconds: 5,
          });
          expect(webhook.admissionReviewVersions).to.deep.equal(['v1']);
          expect(webhook.namespaceSelector).to.deep.equal({
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', NAMESPACE] },
            ],
          });
          expect(webhook.objectSelector).to.equal(undefined);
        }
      });

      it('calls each endpoint through the Service', () => {
        const paths = webhooksOf(objects).map((w) => w.clientConfig.service);
        expect(paths).to.deep.equal(
          ['/mutate-workflowrun', '/validate-workflowrun', '/validate-workflow'].map((path) => ({
            name: FULLNAME,
            namespace: NAMESPACE,
            port: 443,
            path,
          })),
        );
        const service = findObject(objects, 'Service', FULLNAME);
        expect(service.spec.ports).to.deep.equal([
          { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
        ]);
        const deployment = findObject(objects, 'Deployment', FULLNAME);
        expect(service.spec.selector).to.deep.equal(deployment.spec.selector.matchLabels);
      });

      it('runs the webhook locked down, with probes, resources and its certificate mounted', () => {
        const deployment = findObject(objects, 'Deployment', FULLNAME);
        const pod = deployment.spec.template.spec;
        expect(pod.securityContext).to.deep.equal({
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(pod.serviceAccountName).to.equal(FULLNAME);
        const [container, ...others] = pod.containers;
        expect(others).to.deep.equal([]);
        expect(container.securityContext).to.deep.equal({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources.requests).to.have.keys('cpu', 'memory');
        expect(container.resources.limits).to.have.keys('cpu', 'memory');
        expect(container.livenessProbe.httpGet).to.deep.equal({
          path: '/healthz',
          port: 'https',
          scheme: 'HTTPS',
        });
        expect(container.readinessProbe.httpGet).to.deep.equal({
          path: '/readyz',
          port: 'https',
          scheme: 'HTTPS',
        });
        expect(container.ports).to.deep.equal([{ name: 'https', containerPort: 9443, protocol: 'TCP' }]);
        expect(container.args).to.include.members([
          '--port=9443',
          '--tls-cert-file=/etc/workflowrun-webhook/tls/tls.crt',
          '--tls-key-file=/etc/workflowrun-webhook/tls/tls.key',
          '--unknown-parameters=deny',
        ]);
        const tlsVolume = pod.volumes.find((v: K8sObject) => v.name === 'tls');
        const mount = container.volumeMounts.find((m: K8sObject) => m.name === 'tls');
        expect(mount).to.include({ mountPath: '/etc/workflowrun-webhook/tls', readOnly: true });
        const secretName = file.startsWith('existingsecret')
          ? 'workflowrun-webhook-serving'
          : `${FULLNAME}-tls`;
        expect(tlsVolume.secret.secretName).to.equal(secretName);
        // The webhook reloads renewed certificates itself: no checksum annotation forces a rollout.
        expect(JSON.stringify(deployment.spec.template.metadata.annotations ?? {})).not.to.include(
          'checksum',
        );
        const antiAffinity = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
        expect(antiAffinity[0].podAffinityTerm).to.deep.equal({
          topologyKey: 'kubernetes.io/hostname',
          labelSelector: { matchLabels: deployment.spec.selector.matchLabels },
        });
      });

      it('keeps at least one pod through a drain when highly available, and never blocks a drain', () => {
        const deployment = findObject(objects, 'Deployment', FULLNAME);
        const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget');
        if (file.startsWith('ha-off')) {
          expect(deployment.spec.replicas).to.equal(1);
          expect(pdb).to.equal(undefined);
        } else {
          expect(deployment.spec.replicas).to.equal(2);
          expect(pdb?.spec).to.deep.equal({ minAvailable: 1, selector: deployment.spec.selector });
        }
      });

      it('creates a NetworkPolicy only when asked, and never a ServiceMonitor without its CRD', () => {
        const policy = objects.find((o) => o.kind === 'NetworkPolicy');
        if (file.startsWith('networkpolicy-on')) {
          const deployment = findObject(objects, 'Deployment', FULLNAME);
          expect(policy?.spec.podSelector).to.deep.equal(deployment.spec.selector);
          expect(policy?.spec.policyTypes).to.deep.equal(['Ingress']);
          expect(policy?.spec.ingress).to.have.length(1);
          expect(policy?.spec.ingress[0].ports).to.deep.equal([{ port: 'https', protocol: 'TCP' }]);
          expect(policy?.spec.ingress[0].from).to.have.length(2);
        } else {
          expect(policy).to.equal(undefined);
        }
        expect(objects.find((o) => o.kind === 'ServiceMonitor')).to.equal(undefined);
      });
    });
  }
});

describe('chart: TLS modes', function () {
  this.timeout(30000);

  it('selfSigned: the caBundle of every webhook is the CA in the Secret, and that CA signed the serving certificate', () => {
    const objects = renderChart();
    const secret = findObject(objects, 'Secret', `${FULLNAME}-tls`);
    expect(secret.type).to.equal('kubernetes.io/tls');
    const webhooks = webhooksOf(objects);
    expect(webhooks).to.have.length(3);
    for (const webhook of webhooks) expect(webhook.clientConfig.caBundle).to.equal(secret.data['ca.crt']);

    const ca = new X509Certificate(decode(secret.data['ca.crt']));
    const serving = new X509Certificate(decode(secret.data['tls.crt']));
    expect(ca.ca).to.equal(true);
    expect(serving.checkIssued(ca)).to.equal(true);
    expect(serving.verify(ca.publicKey)).to.equal(true);
    for (const name of [`${FULLNAME}.${NAMESPACE}.svc`, `${FULLNAME}.${NAMESPACE}.svc.cluster.local`]) {
      expect(serving.checkHost(name), name).to.equal(name);
    }
    expect(Date.parse(serving.validTo)).to.be.greaterThan(Date.now() + 3000 * 86400e3);
    const notAfter = Date.parse(secret.metadata.annotations['workflowrun-webhook.openchoreo.dev/not-after']);
    expect(Math.abs(notAfter - Date.parse(serving.validTo))).to.be.lessThan(60e3);
  });

  it('certManager: a Certificate for the Service names, its CA injected into both configurations, no Secret rendered', () => {
    const objects = renderChart(['--values', `${chartDir}/ci/certmanager-values.yaml`]);
    expect(objects.find((o) => o.kind === 'Secret')).to.equal(undefined);
    const certificate = findObject(objects, 'Certificate', `${FULLNAME}-serving`);
    expect(certificate.spec.secretName).to.equal(`${FULLNAME}-tls`);
    expect(certificate.spec.dnsNames).to.include.members([
      `${FULLNAME}.${NAMESPACE}.svc`,
      `${FULLNAME}.${NAMESPACE}.svc.cluster.local`,
    ]);
    expect(certificate.spec.issuerRef).to.deep.equal({
      name: `${FULLNAME}-ca`,
      kind: 'Issuer',
      group: 'cert-manager.io',
    });
    const caIssuer = findObject(objects, 'Issuer', `${FULLNAME}-ca`);
    const caCertificate = findObject(objects, 'Certificate', `${FULLNAME}-ca`);
    expect(caIssuer.spec.ca.secretName).to.equal(caCertificate.spec.secretName);
    expect(caCertificate.spec.isCA).to.equal(true);
    expect(findObject(objects, 'Issuer', `${FULLNAME}-selfsigned`).spec).to.deep.equal({ selfSigned: {} });
    for (const config of objects.filter((o) => o.kind.endsWith('WebhookConfiguration'))) {
      expect(config.metadata.annotations).to.deep.equal({
        'cert-manager.io/inject-ca-from': `${NAMESPACE}/${FULLNAME}-serving`,
      });
    }
    for (const webhook of webhooksOf(objects)) expect(webhook.clientConfig).not.to.have.property('caBundle');
  });

  it('certManager with an issuerRef: only the serving Certificate, issued by that issuer', () => {
    const objects = renderChart([
      '--set',
      'tls.mode=certManager',
      '--set',
      'tls.certManager.issuerRef.name=corp-ca',
      '--set',
      'tls.certManager.issuerRef.kind=ClusterIssuer',
    ]);
    expect(objects.filter((o) => o.kind === 'Issuer')).to.deep.equal([]);
    expect(objects.filter((o) => o.kind === 'Certificate')).to.have.length(1);
    expect(findObject(objects, 'Certificate').spec.issuerRef).to.deep.equal({
      name: 'corp-ca',
      kind: 'ClusterIssuer',
      group: 'cert-manager.io',
    });
  });

  it('existingSecret: the given CA becomes the caBundle and no certificate is generated', () => {
    const objects = renderChart(['--values', `${chartDir}/ci/existingsecret-values.yaml`]);
    expect(objects.filter((o) => ['Secret', 'Certificate', 'Issuer'].includes(o.kind))).to.deep.equal([]);
    for (const webhook of webhooksOf(objects)) {
      expect(decode(webhook.clientConfig.caBundle)).to.match(/^-----BEGIN CERTIFICATE-----\nPLACEHOLDER\n/);
    }
  });
});

describe('chart: options', function () {
  this.timeout(30000);

  it('webhook.url points all three webhooks at the URL, installs no pods, and puts the host in the certificate', () => {
    const objects = renderChart(['--set', 'webhook.url=https://127.0.0.1:18443/']);
    const urls = webhooksOf(objects).map((w) => w.clientConfig.url);
    expect(urls).to.deep.equal([
      'https://127.0.0.1:18443/mutate-workflowrun',
      'https://127.0.0.1:18443/validate-workflowrun',
      'https://127.0.0.1:18443/validate-workflow',
    ]);
    for (const webhook of webhooksOf(objects)) expect(webhook.clientConfig).not.to.have.property('service');
    expect(kinds(objects)).to.deep.equal([
      'ClusterRole',
      'ClusterRoleBinding',
      'MutatingWebhookConfiguration',
      'Secret',
      'ServiceAccount',
      'ValidatingWebhookConfiguration',
    ]);
    const serving = new X509Certificate(decode(findObject(objects, 'Secret').data['tls.crt']));
    expect(serving.checkIP('127.0.0.1')).to.equal('127.0.0.1');
  });

  it('webhook.url with a host name puts the name in the certificate', () => {
    const objects = renderChart(['--set', 'webhook.url=https://webhook.dev.example:9443/base']);
    expect(webhooksOf(objects)[0]?.clientConfig.url).to.equal(
      'https://webhook.dev.example:9443/base/mutate-workflowrun',
    );
    const serving = new X509Certificate(decode(findObject(objects, 'Secret').data['tls.crt']));
    expect(serving.checkHost('webhook.dev.example')).to.equal('webhook.dev.example');
  });

  it('takes failurePolicy, timeoutSeconds, unknownParameters and extra exempt namespaces from values', () => {
    const objects = renderChart([
      '--set',
      'webhook.failurePolicy=Ignore',
      '--set',
      'webhook.timeoutSeconds=10',
      '--set',
      'webhook.unknownParameters=warn',
      '--set',
      'webhook.excludedNamespaces={kube-system,openchoreo-control-plane}',
    ]);
    for (const webhook of webhooksOf(objects)) {
      expect(webhook).to.include({ failurePolicy: 'Ignore', timeoutSeconds: 10 });
      expect(webhook.namespaceSelector.matchExpressions[0].values).to.deep.equal([
        'kube-system',
        'openchoreo-control-plane',
        NAMESPACE,
      ]);
    }
    const container = findObject(objects, 'Deployment').spec.template.spec.containers[0];
    expect(container.args).to.include('--unknown-parameters=warn');
  });

  it("sizes the webhook's heap from its memory limit, in any unit Kubernetes writes, or leaves it to Node", () => {
    const heapFlag = (args: string[]) => {
      const container = findObject(renderChart(args), 'Deployment').spec.template.spec.containers[0];
      return (container.env ?? []).find((variable: { name: string }) => variable.name === 'NODE_OPTIONS')
        ?.value;
    };
    expect(heapFlag([])).to.equal('--max-old-space-size=96');
    expect(heapFlag(['--set', 'resources.limits.memory=1Gi'])).to.equal('--max-old-space-size=307');
    expect(heapFlag(['--set', 'resources.limits.memory=500M'])).to.equal('--max-old-space-size=142');
    expect(heapFlag(['--set', 'resources.limits.memory=268435456'])).to.equal('--max-old-space-size=76');
    expect(heapFlag(['--set', 'webhook.heapLimitPercent=50'])).to.equal('--max-old-space-size=160');
    expect(heapFlag(['--set', 'webhook.heapLimitPercent=0'])).to.equal(undefined);
    expect(heapFlag(['--set', 'resources.limits=null'])).to.equal(undefined);
  });

  it('creates the ServiceMonitor when the cluster serves its API, scraping over the webhook TLS', () => {
    const objects = renderChart(['--set', 'serviceMonitor.enabled=true', ...SERVICE_MONITOR_API]);
    const monitor = findObject(objects, 'ServiceMonitor', FULLNAME);
    expect(monitor.spec.endpoints).to.deep.equal([
      {
        port: 'https',
        path: '/metrics',
        scheme: 'https',
        interval: '30s',
        tlsConfig: {
          serverName: `${FULLNAME}.${NAMESPACE}.svc`,
          ca: { secret: { name: `${FULLNAME}-tls`, key: 'ca.crt' } },
        },
      },
    ]);
    expect(monitor.spec.selector.matchLabels).to.deep.equal(findObject(objects, 'Service').spec.selector);
  });

  it('skips the ServiceMonitor without its CRD and says so in the notes', () => {
    const result = helm([
      'template',
      RELEASE,
      chartDir,
      '-n',
      NAMESPACE,
      '--set',
      'serviceMonitor.enabled=true',
    ]);
    expect(result.status).to.equal(0);
    expect(result.stdout).not.to.include('kind: ServiceMonitor');
    const notes = helm([
      'install',
      RELEASE,
      chartDir,
      '-n',
      NAMESPACE,
      '--dry-run=client',
      '--set',
      'serviceMonitor.enabled=true',
    ]);
    expect(notes.stdout).to.include('no ServiceMonitor was created');
  });

  it('uses an existing ServiceAccount and pins the image by digest when told to', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objects = renderChart([
      '--set',
      'serviceAccount.create=false',
      '--set',
      'serviceAccount.name=shared',
      '--set',
      `image.digest=${digest}`,
    ]);
    expect(objects.find((o) => o.kind === 'ServiceAccount')).to.equal(undefined);
    const pod = findObject(objects, 'Deployment').spec.template.spec;
    expect(pod.serviceAccountName).to.equal('shared');
    expect(pod.containers[0].image).to.equal(`ghcr.io/openchoreo/workflowrun-webhook@${digest}`);
    expect(findObject(objects, 'ClusterRoleBinding').subjects[0].name).to.equal('shared');
  });

  it('prints the next steps and the emergency exit, naming both configurations', () => {
    const result = helm(['install', RELEASE, chartDir, '-n', NAMESPACE, '--dry-run=client']);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include('kubectl workflowrun');
    expect(result.stdout).to.include(`kubectl delete mutatingwebhookconfiguration ${FULLNAME}`);
    expect(result.stdout).to.include(`kubectl delete validatingwebhookconfiguration ${FULLNAME}`);
    expect(result.stdout).to.include(`kubectl rollout status deployment/${FULLNAME} -n ${NAMESPACE}`);
  });

  it('tells how to start the webhook with the generated certificate in webhook.url mode', () => {
    const url = 'webhook.url=https://127.0.0.1:18443';
    const result = helm(['install', RELEASE, chartDir, '-n', NAMESPACE, '--dry-run=client', '--set', url]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`kubectl get secret ${FULLNAME}-tls -n ${NAMESPACE}`);
    expect(result.stdout).to.include(
      'node dist/workflowrun-webhook.mjs --port 18443 --tls-cert-file tls.crt',
    );
    expect(result.stdout).not.to.include('kubectl rollout status');
  });
});

describe('chart: refused values', function () {
  this.timeout(30000);
  const refusals: Array<[string, string[], string]> = [
    ['an unknown top-level key', ['--set', 'replicas=3'], "additional properties 'replicas' not allowed"],
    [
      'an unknown nested key',
      ['--set', 'webhook.failurePolicyy=Fail'],
      "additional properties 'failurePolicyy' not allowed",
    ],
    [
      'a bad failurePolicy',
      ['--set', 'webhook.failurePolicy=Never'],
      "value must be one of 'Fail', 'Ignore'",
    ],
    ['a timeout above 30 s', ['--set', 'webhook.timeoutSeconds=31'], 'timeoutSeconds'],
    [
      'an unknown TLS mode',
      ['--set', 'tls.mode=manual'],
      "value must be one of 'selfSigned', 'certManager', 'existingSecret'",
    ],
    ['a webhook.url without https', ['--set', 'webhook.url=http://127.0.0.1:9443'], '/webhook/url'],
    [
      'replicas 0 with the PodDisruptionBudget',
      ['--set', 'replicaCount=0'],
      'podDisruptionBudget.minAvailable (1) must be below replicaCount (0)',
    ],
    [
      'one replica with the PodDisruptionBudget',
      ['--set', 'replicaCount=1'],
      'Raise replicaCount or set podDisruptionBudget.enabled=false',
    ],
    [
      'a self-signed renewal window as long as the validity',
      ['--set', 'tls.selfSigned.validityDays=30'],
      'tls.selfSigned.renewBeforeDays (90) must be below tls.selfSigned.validityDays (30)',
    ],
    [
      'existingSecret without a Secret name',
      ['--set', 'tls.mode=existingSecret'],
      'tls.existingSecret.name is required when tls.mode is existingSecret',
    ],
    [
      'existingSecret without a caBundle',
      ['--set', 'tls.mode=existingSecret', '--set', 'tls.existingSecret.name=mine'],
      'tls.existingSecret.caBundle is required when tls.mode is existingSecret',
    ],
    [
      'an existingSecret while generating certificates',
      ['--set', 'tls.existingSecret.name=mine'],
      'tls.existingSecret is set but tls.mode is selfSigned',
    ],
    [
      'webhook.url with a NetworkPolicy',
      ['--set', 'webhook.url=https://10.0.0.5:9443', '--set', 'networkPolicy.enabled=true'],
      'networkPolicy.enabled cannot be combined with webhook.url',
    ],
    [
      'a memory limit too small for the heap',
      ['--set', 'resources.limits.memory=200Mi'],
      'leaves the webhook a 60 MiB heap, below the 64 MiB it needs',
    ],
    [
      'a memory limit the chart cannot size the heap from',
      ['--set', 'resources.limits.memory=1.5Gi'],
      'resources.limits.memory "1.5Gi": the chart reads Ki, Mi, Gi, k, M, G or plain bytes',
    ],
    [
      'no ServiceAccount to run as',
      ['--set', 'serviceAccount.create=false'],
      'serviceAccount.name is required when serviceAccount.create is false',
    ],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what}`, () => {
      expect(renderError(args)).to.include(message);
    });
  }

  it('lets one replica through once the PodDisruptionBudget is off', () => {
    expect(
      kinds(renderChart(['--set', 'replicaCount=1', '--set', 'podDisruptionBudget.enabled=false'])),
    ).not.to.include('PodDisruptionBudget');
  });
});
