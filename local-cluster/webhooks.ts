// Registers a webhook that runs outside the cluster (on loopback) with the API server, by URL plus caBundle:
// no Service needed. Settings match what the Helm chart installs.
import { stringify } from 'yaml';

import { API_VERSION, DISPLAY_NAME_ANNOTATION, GROUP } from '../core/index.ts';
import type { Cluster } from './controlplane.ts';
import { waitUntil } from './processes.ts';
import { check } from './tools.ts';

export interface WebhookRegistration {
  // Base URL of the running webhook, e.g. https://127.0.0.1:8443; the paths are appended.
  url: string;
  // PEM of the CA that signed the webhook's serving cert (cluster.webhookCa.certPem); base64-encoded here.
  caBundle: string;
  // Name of both configurations.
  name?: string;
  failurePolicy?: 'Fail' | 'Ignore';
  timeoutSeconds?: number;
}

export const DEFAULT_WEBHOOK_NAME = 'workflowrun-webhook';

const OPERATIONS = ['CREATE', 'UPDATE'];

function rule(resources: string[]) {
  return { apiGroups: [GROUP], apiVersions: ['*'], operations: OPERATIONS, resources, scope: '*' };
}

export function webhookConfigurations(registration: WebhookRegistration): object[] {
  const name = registration.name ?? DEFAULT_WEBHOOK_NAME;
  const caBundle = Buffer.from(registration.caBundle).toString('base64');
  const base = registration.url.replace(/\/+$/, '');
  const common = {
    sideEffects: 'None',
    failurePolicy: registration.failurePolicy ?? 'Fail',
    timeoutSeconds: registration.timeoutSeconds ?? 5,
    matchPolicy: 'Equivalent',
    admissionReviewVersions: ['v1'],
  };
  const webhook = (webhookName: string, path: string, resources: string[]) => ({
    name: webhookName,
    clientConfig: { url: `${base}${path}`, caBundle },
    rules: [rule(resources)],
    ...common,
  });
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name },
      webhooks: [webhook(`mutate-workflowrun.${GROUP}`, '/mutate-workflowrun', ['workflowruns'])],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        webhook(`validate-workflowrun.${GROUP}`, '/validate-workflowrun', ['workflowruns']),
        webhook(`validate-workflow.${GROUP}`, '/validate-workflow', ['workflows', 'clusterworkflows']),
      ],
    },
  ];
}

export async function registerWebhooks(cluster: Cluster, registration: WebhookRegistration): Promise<void> {
  const input = webhookConfigurations(registration)
    .map((object) => `---\n${stringify(object)}`)
    .join('');
  check(await cluster.kubectl(['apply', '-f', '-'], { input }), 'registering the webhook configurations');
}

export async function unregisterWebhooks(cluster: Cluster, name = DEFAULT_WEBHOOK_NAME): Promise<void> {
  check(
    await cluster.kubectl([
      'delete',
      'mutatingwebhookconfiguration,validatingwebhookconfiguration',
      name,
      '--ignore-not-found',
    ]),
    'removing the webhook configurations',
  );
}

// True once the API server calls the webhook for a request; see defaultWebhookProbe.
export type WebhookProbe = (cluster: Cluster) => Promise<boolean>;

// A server-side dry run of a WorkflowRun whose Workflow does not exist, in namespace default: without the
// webhook it is accepted unchanged; once the webhook is called, kubectl reports `admission webhook "..."`
// (a denial, or a failed call), or the mutating webhook has added its display name.
export const defaultWebhookProbe: WebhookProbe = async (cluster) => {
  const run = {
    apiVersion: API_VERSION,
    kind: 'WorkflowRun',
    metadata: { name: 'webhook-probe', namespace: 'default' },
    spec: { workflow: { name: 'webhook-probe-no-such-workflow', parameters: {} } },
  };
  const result = await cluster.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
    input: JSON.stringify(run),
  });
  if (result.stderr.includes('admission webhook')) return true;
  if (result.code !== 0) return false;
  const created = JSON.parse(result.stdout) as { metadata?: { annotations?: Record<string, string> } };
  return created.metadata?.annotations?.[DISPLAY_NAME_ANNOTATION] !== undefined;
};

// Polls until newly registered configurations take effect (the API server picks them up asynchronously).
export async function waitForWebhooks(
  cluster: Cluster,
  options: { probe?: WebhookProbe; timeoutMs?: number } = {},
): Promise<void> {
  const probe = options.probe ?? defaultWebhookProbe;
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!(await waitUntil(() => probe(cluster), timeoutMs))) {
    throw new Error(`the webhook configurations did not take effect within ${timeoutMs / 1000}s`);
  }
}
