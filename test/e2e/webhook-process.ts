// Runs the real webhook program (webhook/main.ts through tsx, so the tests see the current source) against a test
// control plane, with a serving certificate from the cluster's webhook CA, and reads its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'node:https';
import type { Cluster } from './harness.ts';
import { REPO_ROOT } from '../../local-cluster/tools.ts';

export interface RunningWebhook {
  readonly url: string;
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  readonly process: ChildProcess;
  /** Every JSON log line so far. */
  logs(): Record<string, unknown>[];
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Replaces the serving certificate files with a new pair from the cluster's webhook CA; returns its PEM. */
  rotateCertificate(name: string): Promise<string>;
}

export function httpsGet(port: number, path: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        agent: false,
        ...(ca ? { ca } : { rejectUnauthorized: false }),
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    call.on('error', reject);
    call.end();
  });
}

async function poll(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startWebhook(
  cluster: Cluster,
  options: { args?: string[]; waitReady?: boolean; name?: string } = {},
): Promise<RunningWebhook> {
  const directory = await mkdtemp(join(tmpdir(), 'workflowrun-webhook-e2e-'));
  const certFile = join(directory, 'tls.crt');
  const keyFile = join(directory, 'tls.key');
  const install = async (name: string) => {
    const pair = await cluster.issueServingCert(['127.0.0.1'], name);
    // Key first: the webhook rejects (and logs) a certificate whose key is not there yet, then takes the pair.
    await copyFile(pair.keyPath, keyFile);
    await copyFile(pair.certPath, certFile);
    return pair.certPem;
  };
  await install(options.name ?? 'webhook-e2e');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'webhook/main.ts',
      '--port=0',
      '--bind-address=127.0.0.1',
      `--tls-cert-file=${certFile}`,
      `--tls-key-file=${keyFile}`,
      `--kubeconfig=${cluster.kubeconfigPath}`,
      '--shutdown-timeout=10',
      ...(options.args ?? []),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ msg: line });
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  try {
    await poll(
      'the webhook to listen',
      () => {
        if (exitCode !== undefined) throw new Error(`the webhook exited with ${exitCode}: ${stderr.trim()}`);
        return lines.some((line) => line.msg === 'serving');
      },
      30_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const port = lines.find((line) => line.msg === 'serving')!.port as number;
  const webhook: RunningWebhook = {
    url: `https://127.0.0.1:${port}`,
    port,
    certFile,
    keyFile,
    process: child,
    logs: () => lines,
    async stop(signal = 'SIGTERM') {
      if (exitCode === undefined) child.kill(signal);
      const code = await exited;
      await rm(directory, { recursive: true, force: true });
      return code;
    },
    rotateCertificate: install,
  };
  if (options.waitReady !== false) {
    await poll(
      'the webhook to be ready',
      async () => (await httpsGet(port, '/readyz')).status === 200,
      30_000,
    );
  }
  return webhook;
}
