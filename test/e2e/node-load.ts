// A client that sends WorkflowRuns to the API server at a steady rate, alternating valid and invalid ones, and
// checks every verdict: a valid run must be admitted, an invalid one denied by our webhook. Anything else (a
// failed webhook call, a timeout, a wrong verdict) is a failure. Server-side dry runs: admission runs in full but
// nothing is stored, so the load leaves no objects behind.
import { request } from 'node:https';

import type { ControlPlane } from '../../local-cluster/controlplane.ts';

export interface ApiResponse {
  status: number;
  body: string;
}

export function apiRequest(
  plane: ControlPlane,
  method: string,
  path: string,
  body: unknown,
): Promise<ApiResponse> {
  const { ca, admin } = plane.pki;
  return new Promise((resolve) => {
    const req = request(
      `${plane.server}${path}`,
      {
        method,
        ca: ca.certPem,
        cert: admin.certPem,
        key: admin.keyPem,
        headers: { 'content-type': 'application/json' },
        timeout: 15_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.once('timeout', () => req.destroy(new Error('timed out after 15 s')));
    req.once('error', (error) => resolve({ status: 0, body: error.message }));
    req.end(JSON.stringify(body));
  });
}

export interface LoadReport {
  sent: number;
  admitted: number;
  denied: number;
  failures: string[];
  perSecond: number;
  summary: { sent: number; perSecond: number; failed: number };
}

// The runs name the tests' integration-tests Workflow (test/fixtures/workflows/integration-tests-openapi.yaml).
export const WORKFLOW_FIXTURE = 'integration-tests-openapi.yaml';
export const VALID_PARAMETERS = { repository: { url: 'https://github.com/openchoreo/sample' } };
export const INVALID_PARAMETERS = { repository: { url: 'ftp://example.com/sample' }, environment: 'moon' };
// What a denial of INVALID_PARAMETERS names.
export const INVALID_FIELD = 'spec.workflow.parameters.repository.url';

export function workflowRun(metadata: { name?: string; generateName?: string }, parameters: unknown): object {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata,
    spec: { workflow: { kind: 'Workflow', name: 'integration-tests', parameters } },
  };
}

export class AdmissionLoad {
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private sent = 0;
  private admitted = 0;
  private denied = 0;
  private readonly failures: string[] = [];

  constructor(
    private readonly plane: ControlPlane,
    private readonly namespace: string,
    ratePerSecond: number,
  ) {
    this.timer = setInterval(() => this.send(), 1000 / ratePerSecond);
  }

  private send(): void {
    const valid = this.sent % 2 === 0;
    this.sent++;
    const path = `/apis/openchoreo.dev/v1alpha1/namespaces/${this.namespace}/workflowruns?dryRun=All`;
    const run = valid
      ? workflowRun({ generateName: 'load-valid-' }, VALID_PARAMETERS)
      : workflowRun({ generateName: 'load-invalid-' }, INVALID_PARAMETERS);
    const done = apiRequest(this.plane, 'POST', path, run).then((response) => {
      const at = `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
      if (valid && response.status === 201) this.admitted++;
      else if (
        !valid &&
        response.status >= 400 &&
        response.status < 500 &&
        response.body.includes(INVALID_FIELD)
      )
        this.denied++;
      else
        this.failures.push(
          `${at} ${valid ? 'valid' : 'invalid'}: ${response.status} ${response.body.slice(0, 300)}`,
        );
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  async stop(): Promise<LoadReport> {
    clearInterval(this.timer);
    const seconds = (Date.now() - this.started) / 1000;
    await Promise.all(this.inFlight);
    const perSecond = +(this.sent / seconds).toFixed(1);
    return {
      sent: this.sent,
      admitted: this.admitted,
      denied: this.denied,
      failures: this.failures,
      perSecond,
      summary: { sent: this.sent, perSecond, failed: this.failures.length },
    };
  }
}
