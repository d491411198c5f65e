// The local control plane library: start etcd + kube-apiserver, install OpenChoreo's CRDs, register webhooks.
export { ControlPlane, ExistingCluster, readState } from './controlplane.ts';
export type { Cluster, ControlPlaneOptions, ControlPlaneState } from './controlplane.ts';
export { createCertificateAuthority, issueCertificate } from './certs.ts';
export type { CertificateAuthority, KeyPair } from './certs.ts';
export {
  applySamples,
  CRD_VERSIONS,
  crdDir,
  installCrds,
  loadSamples,
  OPENCHOREO_DIR,
  parseCrdVersion,
  sampleYaml,
  samplesDir,
  WORKFLOW_KINDS,
} from './openchoreo.ts';
export type { CrdVersion, SampleDocument } from './openchoreo.ts';
export { isRunning, stopProcess } from './processes.ts';
export type { ProcessRecord } from './processes.ts';
export { BIN_DIR, binary, check, REPO_ROOT, run } from './tools.ts';
export type { CommandResult, RunOptions } from './tools.ts';
export {
  DEFAULT_WEBHOOK_NAME,
  defaultWebhookProbe,
  registerWebhooks,
  unregisterWebhooks,
  waitForWebhooks,
  webhookConfigurations,
} from './webhooks.ts';
export type { WebhookProbe, WebhookRegistration } from './webhooks.ts';
