// Shared by the reliability suites and the soak: the webhook in-process (its own server and handlers over a fixed
// set of Workflows) or as the bundled program in a child process, raw HTTPS requests with a deadline, and the
// check that an answer is a well-formed AdmissionReview or a 4xx with a message.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { WorkflowObject } from '../../core/index.ts';
import { CompiledSchemaCache } from '../../webhook/compiled-schemas.ts';
import { admissionRoutes } from '../../webhook/handlers.ts';
import { createMetrics } from '../../webhook/metrics.ts';
import { WebhookServer } from '../../webhook/server.ts';
import { loadCertificate } from '../../webhook/tls.ts';
import { StaticWorkflows } from '../../webhook/workflows.ts';
import { freePort, removeOnExit } from '../../local-cluster/processes.ts';
import { REPO_ROOT } from '../../local-cluster/tools.ts';
import { writeSelfSignedCertificate, type CertificateFiles } from '../support/webhook-helpers.ts';

export { writeSelfSignedCertificate, type CertificateFiles };

export function scratchDirectory(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `ocwr-reliability-${prefix}-`));
  // Also when mocha skips a suite's hooks (--grep) or the run is interrupted.
  removeOnExit(path);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface InProcessWebhook {
  port: number;
  server: WebhookServer;
  workflows: StaticWorkflows;
  /** Log lines written so far (JSON objects). */
  logLines(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** The webhook's own server and handlers on 127.0.0.1, with Workflows from memory instead of informers. */
export async function startInProcessWebhook(options: {
  workflows: readonly WorkflowObject[];
  certificate: CertificateFiles;
  logLevel?: pino.Level;
}): Promise<InProcessWebhook> {
  const lines: string[] = [];
  const log = pino({ level: options.logLevel ?? 'info' }, { write: (line: string) => void lines.push(line) });
  const workflows = new StaticWorkflows(options.workflows);
  const server = new WebhookServer({
    routes: admissionRoutes({
      workflows,
      compiledWorkflows: new CompiledSchemaCache(),
      unknownParameters: 'deny',
    }),
    certificate: loadCertificate(options.certificate.certFile, options.certificate.keyFile),
    log,
    metrics: createMetrics(),
  });
  const address = await server.listen(0, '127.0.0.1');
  return {
    port: address.port,
    server,
    workflows,
    logLines: () => lines.splice(0).map((line) => JSON.parse(line) as Record<string, unknown>),
    close: () => server.shutdown(1000),
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequest {
  port: number;
  method?: string;
  path: string;
  contentType?: string | null;
  body?: Buffer | string;
  /** false: send chunked, without Content-Length. */
  declareLength?: boolean;
  timeoutMs?: number;
  agent?: Agent | false;
  /** Check the server's certificate (against the agent's or `ca`); off by default. */
  verify?: boolean;
  ca?: string;
}

/** One HTTPS request to 127.0.0.1; rejects when no complete answer arrives within the deadline. */
export function send(request: RawRequest): Promise<RawResponse> {
  const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
  const headers: Record<string, string | number> = {};
  if (request.contentType !== null) headers['Content-Type'] = request.contentType ?? 'application/json';
  if (body !== undefined && request.declareLength !== false) headers['Content-Length'] = body.length;
  const timeoutMs = request.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      outgoing.destroy(new Error(`no answer within ${timeoutMs} ms (hung)`));
    }, timeoutMs);
    const outgoing = httpsRequest(
      {
        host: '127.0.0.1',
        port: request.port,
        method: request.method ?? 'POST',
        path: request.path,
        headers,
        agent: request.agent ?? false,
        rejectUnauthorized: request.verify === true,
        ...(request.ca === undefined ? {} : { ca: request.ca }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          });
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (body === undefined) outgoing.end();
    else if (request.declareLength === false) {
      // Several writes, so the body really goes out in chunks.
      const step = 1024 * 1024;
      for (let offset = 0; offset < body.length; offset += step)
        outgoing.write(body.subarray(offset, offset + step));
      outgoing.end();
    } else outgoing.end(body);
  });
}

export interface AnswerExpectation {
  /** A number: exactly that status; 'review': an AdmissionReview; 'review-or-4xx': either. */
  expect: number | 'review' | 'review-or-4xx';
  uid?: string;
  /** Also refuse AdmissionReviews answering `internal error` (a handler that threw). */
  noInternalErrors?: boolean;
}

/** What is wrong with an answer (empty when it is as expected). */
export function answerProblems(response: RawResponse, expectation: AnswerExpectation): string[] {
  const problems: string[] = [];
  const text = response.body.toString('utf8');
  if (response.status >= 400 && response.status < 500) {
    if (expectation.expect === 'review')
      problems.push(`HTTP ${response.status} instead of a review: ${text.slice(0, 200)}`);
    if (typeof expectation.expect === 'number' && response.status !== expectation.expect) {
      problems.push(`HTTP ${response.status}, expected ${expectation.expect}: ${text.slice(0, 200)}`);
    }
    if (text.trim() === '') problems.push(`HTTP ${response.status} without a message`);
    if (/\n\s+at /.test(text)) problems.push('a stack trace in the body');
    return problems;
  }
  if (response.status !== 200) return [`HTTP ${response.status}: ${text.slice(0, 200)}`];
  if (typeof expectation.expect === 'number') problems.push(`HTTP 200, expected ${expectation.expect}`);
  let review: {
    apiVersion?: unknown;
    kind?: unknown;
    response?: {
      uid?: unknown;
      allowed?: unknown;
      status?: { code?: unknown; message?: unknown };
      patch?: unknown;
      patchType?: unknown;
    };
  };
  try {
    review = JSON.parse(text) as typeof review;
  } catch {
    return [...problems, `HTTP 200 with a body that is not JSON: ${text.slice(0, 200)}`];
  }
  if (!String(response.headers['content-type'] ?? '').startsWith('application/json'))
    problems.push('200 without a JSON Content-Type');
  if (review.kind !== 'AdmissionReview') problems.push(`kind ${JSON.stringify(review.kind)}`);
  if (review.apiVersion !== 'admission.k8s.io/v1' && review.apiVersion !== 'admission.k8s.io/v1beta1') {
    problems.push(`apiVersion ${JSON.stringify(review.apiVersion)}`);
  }
  const answer = review.response;
  if (typeof answer !== 'object' || answer === null) return [...problems, 'no response'];
  if (typeof answer.uid !== 'string' || answer.uid === '') problems.push('response without a uid');
  if (expectation.uid !== undefined && answer.uid !== expectation.uid) {
    problems.push(
      `uid ${JSON.stringify(String(answer.uid).slice(0, 40))} not echoed (${JSON.stringify(expectation.uid.slice(0, 40))})`,
    );
  }
  if (typeof answer.allowed !== 'boolean') problems.push('allowed is not a boolean');
  if (answer.allowed === false) {
    if (typeof answer.status?.code !== 'number') problems.push('a denial without status.code');
    if (typeof answer.status?.message !== 'string' || answer.status.message === '')
      problems.push('a denial without a message');
    if (typeof answer.status?.message === 'string' && /\n\s+at /.test(answer.status.message))
      problems.push('a stack trace in the message');
    if (
      expectation.noInternalErrors &&
      (answer.status?.code === 500 || /internal error/i.test(String(answer.status?.message)))
    ) {
      problems.push(`the handler failed: ${String(answer.status?.message).slice(0, 300)}`);
    }
  }
  if (answer.patch !== undefined) {
    if (answer.patchType !== 'JSONPatch') problems.push('a patch without patchType JSONPatch');
    try {
      const operations = JSON.parse(Buffer.from(String(answer.patch), 'base64').toString('utf8')) as unknown;
      if (!Array.isArray(operations)) problems.push('the patch is not a JSON array');
    } catch {
      problems.push('the patch is not base64 JSON');
    }
  }
  return problems;
}

/** Every own and inherited-looking mark left on Object.prototype (and friends) by pollution. */
export function prototypeFingerprint(): string {
  const marks = [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((prototype) =>
    Object.getOwnPropertyNames(prototype).sort().join(','),
  );
  const probe = {} as Record<string, unknown>;
  return `${marks.join('|')}|${String(probe.polluted)}|${String(probe.url)}|${String(probe.type)}`;
}

// ---- the webhook as a program ----

export const WEBHOOK_BUNDLE = join(REPO_ROOT, 'dist', 'workflowrun-webhook.mjs');
export const PLUGIN_BUNDLE = join(REPO_ROOT, 'dist', 'kubectl-workflowrun.cjs');

/** How to run the webhook program: the bundle `make build` made, else the sources through tsx. */
function webhookCommand(): string[] {
  if (existsSync(WEBHOOK_BUNDLE) && process.env.RELIABILITY_FROM_SOURCE !== '1') return [WEBHOOK_BUNDLE];
  return ['--import', 'tsx', join(REPO_ROOT, 'webhook', 'main.ts')];
}

export interface ChildWebhook {
  readonly pid: number;
  readonly port: number;
  readonly process: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGKILLs the process if it is still running; for cleanup. */
  kill(): Promise<void>;
}

/** A kubeconfig naming an API server that does not answer (port 1), for runs that need no cluster. */
export function unreachableKubeconfig(directory: string): string {
  const path = join(directory, 'unreachable.kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: none, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
      'users: [{name: none, user: {token: unused}}]',
      'contexts: [{name: none, context: {cluster: none, user: none}}]',
      'current-context: none',
      '',
    ].join('\n'),
  );
  return path;
}

const CAPTURE_LIMIT = 8 * 1024 * 1024;

export async function startChildWebhook(options: {
  certFile: string;
  keyFile: string;
  kubeconfig: string;
  extraArgs?: string[];
  /** Flags for node itself, e.g. a small heap limit so that a leak ends the process instead of hiding. */
  nodeArgs?: string[];
  port?: number;
  /** Wait for /readyz instead of /healthz. */
  waitReady?: boolean;
}): Promise<ChildWebhook> {
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...webhookCommand(),
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--tls-cert-file=${options.certFile}`,
      `--tls-key-file=${options.keyFile}`,
      `--kubeconfig=${options.kubeconfig}`,
      ...(options.extraArgs ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: REPO_ROOT,
      env: { ...process.env, KUBECONFIG: options.kubeconfig },
    },
  );
  // A soak logs a line per review: keep the first few MiB, enough for any test that reads the log.
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    if (stdout.length < CAPTURE_LIMIT) stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < CAPTURE_LIMIT) stderr += chunk.toString('utf8');
  });
  // The webhook dies with this process, however this process ends.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  const handle: ChildWebhook = {
    pid: child.pid!,
    port,
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async kill() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
  };
  const path = options.waitReady ? '/readyz' : '/healthz';
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (done) throw new Error(`the webhook exited at start: ${stderr.trim() || stdout.trim()}`);
    const answer = await send({ port, method: 'GET', path, timeoutMs: 2000 }).catch(() => undefined);
    if (answer?.status === 200) return handle;
    if (Date.now() > deadline) {
      await handle.kill();
      throw new Error(`the webhook did not answer ${path} within 30 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resident set size of a process in KiB, from /proc. */
export function residentKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** One sample of the webhook's own metrics (Prometheus text), by metric name (first series). */
export async function scrapeMetrics(port: number): Promise<Map<string, number>> {
  const answer = await send({ port, method: 'GET', path: '/metrics', timeoutMs: 5000 });
  const values = new Map<string, number>();
  for (const line of answer.body.toString('utf8').split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && !values.has(match[1]!)) values.set(match[1]!, Number(match[3]));
  }
  return values;
}
