// Faults on a real control plane of its own (kube-apiserver and etcd are stopped here, so the shared e2e cluster
// is left alone): the webhook program runs as a child process watching Workflows; the API server and etcd go
// away and come back on the same ports; the serving certificate is rotated under load; SIGTERM arrives under load.
// Times are recorded (.cache/reliability/faults.json) and bounded by the issue's promises (5 s, 2 s).
import { expect } from 'chai';
import { renameSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { ControlPlane } from '../../local-cluster/controlplane.ts';
import { installCrds } from '../../local-cluster/openchoreo.ts';
import { registerWebhooks, waitForWebhooks } from '../../local-cluster/webhooks.ts';
import { CLUSTER_START_TIMEOUT_MS, LOG_ARCHIVE_DIR } from '../e2e/harness.ts';
import { recordResult } from './results.ts';
import { scratchDirectory, send, startChildWebhook, type ChildWebhook, type RawResponse } from './support.ts';

const NAMESPACE = 'default';

function workflowYaml(name: string, modes: string[]): string {
  return JSON.stringify({
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Workflow',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      parameters: {
        openAPIV3Schema: {
          type: 'object',
          properties: { mode: { type: 'string', enum: modes, default: modes[0] } },
        },
      },
      runTemplate: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'x' } },
    },
  });
}

function review(uid: string, workflow: string, mode: string): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'WorkflowRun' },
      resource: { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'workflowruns' },
      namespace: NAMESPACE,
      operation: 'CREATE',
      object: {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'WorkflowRun',
        metadata: { name: `run-${uid}`, namespace: NAMESPACE },
        spec: { workflow: { kind: 'Workflow', name: workflow, parameters: { mode } } },
      },
    },
  });
}

interface Verdict {
  allowed: boolean;
  message: string;
}

function verdictOf(response: RawResponse): Verdict {
  const parsed = JSON.parse(response.body.toString('utf8')) as {
    response: { allowed: boolean; status?: { message?: string } };
  };
  return { allowed: parsed.response.allowed, message: parsed.response.status?.message ?? '' };
}

/** Polls until `condition` holds; returns the milliseconds it took, or throws after `limitMs`. */
async function timeUntil(what: string, condition: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = Date.now();
  let lastError = '';
  for (;;) {
    try {
      if (await condition()) return Date.now() - started;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms ${lastError}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('reliability: faults on the real control plane', function () {
  this.timeout(240_000);
  const directory = scratchDirectory('faults');
  let plane: ControlPlane | undefined;
  let webhook: ChildWebhook | undefined;
  let certFile = '';
  let keyFile = '';
  const figures: Record<string, unknown> = {};

  const validate = async (uid: string, workflow: string, mode: string) =>
    verdictOf(
      await send({
        port: webhook!.port,
        path: '/validate-workflowrun',
        body: review(uid, workflow, mode),
        timeoutMs: 10_000,
      }),
    );
  const readyz = async () =>
    (await send({ port: webhook!.port, method: 'GET', path: '/readyz', timeoutMs: 3000 })).status;
  const kubectl = async (args: string[], input?: string) => {
    const result = await plane!.kubectl(args, input === undefined ? {} : { input });
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim()}`);
    return result;
  };

  before(async function () {
    this.timeout(CLUSTER_START_TIMEOUT_MS + 60_000);
    plane = await ControlPlane.start({
      dir: join(directory.path, 'plane'),
      labels: { suite: 'reliability-faults' },
      logArchiveDir: join(LOG_ARCHIVE_DIR, 'reliability-faults'),
    });
    await installCrds(plane, 'v1.x');
    const serving = await plane.issueServingCert(['127.0.0.1'], 'webhook');
    certFile = join(directory.path, 'tls.crt');
    keyFile = join(directory.path, 'tls.key');
    writeFileSync(certFile, serving.certPem);
    writeFileSync(keyFile, serving.keyPem, { mode: 0o600 });
    webhook = await startChildWebhook({
      certFile,
      keyFile,
      kubeconfig: plane.kubeconfigPath,
      waitReady: true,
    });
    await registerWebhooks(plane, {
      url: `https://127.0.0.1:${webhook.port}`,
      caBundle: plane.webhookCa.certPem,
    });
    await waitForWebhooks(plane);
  });

  after(async function () {
    this.timeout(60_000);
    await webhook?.kill();
    await plane?.stop();
    directory.remove();
    recordResult('faults', figures);
  });

  it('kube-apiserver and etcd stopped and restarted: the webhook lives, /readyz tells the truth, watches resume', async function () {
    await kubectl(['apply', '-f', '-'], workflowYaml('before-outage', ['a', 'b']));
    await timeUntil(
      'the Workflow is used',
      async () => (await validate('w0', 'before-outage', 'b')).allowed,
      5000,
    );
    expect(await readyz()).to.equal(200);

    const outageStarted = Date.now();
    await plane!.stopApiServer();
    await plane!.stopEtcd();
    figures.notReadyAfterApiserverStopMs = await timeUntil(
      '/readyz reports 503',
      async () => (await readyz()) === 503,
      15_000,
    );
    // Liveness is not readiness: the process must not be restarted by its orchestrator for an API server outage.
    expect((await send({ port: webhook!.port, method: 'GET', path: '/healthz' })).status).to.equal(200);
    // A cached Workflow can still be used while the API server is away.
    const during = await validate('w1', 'before-outage', 'b');
    figures.cachedWorkflowUsedDuringOutage = during.allowed;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await readyz(), '/readyz during the outage').to.equal(503);
    expect(webhook!.process.exitCode, 'the webhook is still running').to.equal(null);

    await plane!.startEtcd();
    await plane!.startApiServer();
    const apiserverBack = Date.now();
    figures.outageMs = apiserverBack - outageStarted;
    figures.readyAfterApiserverBackMs = await timeUntil(
      '/readyz 200 again',
      async () => (await readyz()) === 200,
      30_000,
    );

    // Watches resumed: a schema change reaches the cache (a stale cache would keep enum [a, b]).
    await kubectl(['apply', '-f', '-'], workflowYaml('before-outage', ['a', 'b', 'c']));
    figures.changedSchemaUsedAfterRestartMs = await timeUntil(
      'the changed schema is used',
      async () => (await validate('w2', 'before-outage', 'c')).allowed,
      2000,
    );
    await kubectl(['apply', '-f', '-'], workflowYaml('after-outage', ['x']));
    figures.newWorkflowUsedAfterRestartMs = await timeUntil(
      'a Workflow created after the restart is used',
      async () => (await validate('w3', 'after-outage', 'x')).allowed,
      5000,
    );
  });

  it('a changed Workflow schema is used within 2 s, a deleted Workflow leads to denial', async function () {
    await kubectl(['apply', '-f', '-'], workflowYaml('changing', ['one']));
    await timeUntil(
      'the Workflow is used',
      async () => (await validate('c0', 'changing', 'one')).allowed,
      5000,
    );
    expect((await validate('c1', 'changing', 'two')).allowed).to.equal(false);
    await kubectl(['apply', '-f', '-'], workflowYaml('changing', ['one', 'two']));
    figures.changedSchemaUsedMs = await timeUntil(
      'the new schema is used',
      async () => (await validate('c2', 'changing', 'two')).allowed,
      2000,
    );
    await kubectl(['apply', '-f', '-'], workflowYaml('changing', ['one']));
    figures.narrowedSchemaUsedMs = await timeUntil(
      'the narrowed schema is used',
      async () => !(await validate('c3', 'changing', 'two')).allowed,
      2000,
    );

    await kubectl(['delete', 'workflow', 'changing', '-n', NAMESPACE]);
    figures.deletedWorkflowDeniedMs = await timeUntil(
      'a run of the deleted Workflow is denied as not found',
      async () => {
        const verdict = await validate('c4', 'changing', 'one');
        return !verdict.allowed && /not found/i.test(verdict.message);
      },
      2000,
    );
    // And through the API server, as a user sees it.
    const result = await plane!.kubectl(['create', '--dry-run=server', '-f', '-'], {
      input: JSON.stringify(JSON.parse(review('c5', 'changing', 'one')).request.object),
    });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/Not found: Workflow "changing"/);
  });

  it('certificate rotation under load: no failed request, new connections get the new certificate', async function () {
    const ca = plane!.webhookCa.certPem;
    const fingerprint = () =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: webhook!.port, ca, servername: undefined }, () => {
          resolve(new X509Certificate(socket.getPeerX509Certificate()!.raw).fingerprint256);
          socket.end();
        });
        socket.on('error', reject);
      });
    const first = await fingerprint();
    const agent = new Agent({ keepAlive: true, maxSockets: 4, ca });
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const loop = async (index: number) => {
      for (let i = 0; !stop; i++) {
        try {
          // Every fourth request on a fresh connection, so handshakes happen throughout the rotation.
          const fresh = i % 4 === 0;
          const response = await send({
            port: webhook!.port,
            path: '/validate-workflowrun',
            body: review(`rot-${index}-${i}`, 'after-outage', 'x'),
            agent: fresh ? new Agent({ ca }) : agent,
            timeoutMs: 10_000,
            verify: true,
          });
          if (response.status === 200 && verdictOf(response).allowed) ok++;
          else failures.push(`HTTP ${response.status} ${response.body.toString('utf8').slice(0, 200)}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const loops = Array.from({ length: 6 }, (_, index) => loop(index));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rotated = await plane!.issueServingCert(['127.0.0.1'], 'webhook-rotated');
    // As kubelet updates a Secret volume: new files written aside, then renamed into place.
    writeFileSync(`${certFile}.new`, rotated.certPem);
    writeFileSync(`${keyFile}.new`, rotated.keyPem, { mode: 0o600 });
    renameSync(`${keyFile}.new`, keyFile);
    renameSync(`${certFile}.new`, certFile);
    const rotatedAt = Date.now();
    const expected = new X509Certificate(rotated.certPem).fingerprint256;
    figures.rotationServedAfterMs = await timeUntil(
      'the new certificate is served',
      async () => (await fingerprint()) === expected,
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1500 - (Date.now() - rotatedAt))));
    stop = true;
    await Promise.all(loops);
    agent.destroy();
    figures.rotationRequests = ok + failures.length;
    figures.rotationFailures = failures.length;
    expect(first).to.not.equal(expected);
    expect(failures, failures.slice(0, 5).join('\n')).to.deep.equal([]);
    expect(ok).to.be.above(50);
  });

  it('SIGTERM under load: every review sent before the signal gets a complete answer', async function () {
    // A webhook of its own for this, since it ends.
    const victim = await startChildWebhook({
      certFile,
      keyFile,
      kubeconfig: plane!.kubeconfigPath,
      waitReady: true,
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    let signalledAt = Number.POSITIVE_INFINITY;
    const beforeSignal = { sent: 0, answered: 0, lost: [] as string[] };
    let afterSignal = 0;
    let refusedAfterSignal = 0;
    const loop = async (index: number) => {
      for (let i = 0; ; i++) {
        const sentAt = Date.now();
        try {
          const response = await send({
            port: victim.port,
            path: '/validate-workflowrun',
            body: review(`term-${index}-${i}`, 'after-outage', 'x'),
            agent,
            timeoutMs: 30_000,
          });
          if (sentAt < signalledAt) {
            beforeSignal.sent++;
            if (response.status === 200 && verdictOf(response).allowed) beforeSignal.answered++;
            else beforeSignal.lost.push(`HTTP ${response.status}`);
          } else afterSignal++;
        } catch (error) {
          if (sentAt < signalledAt) {
            beforeSignal.sent++;
            beforeSignal.lost.push((error as Error).message);
          } else {
            refusedAfterSignal++;
            return; // the listener is closed: the load is over
          }
        }
      }
    };
    const loops = Array.from({ length: 16 }, (_, index) => loop(index));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    signalledAt = Date.now();
    victim.process.kill('SIGTERM');
    const code = await victim.exited;
    const exitMs = Date.now() - signalledAt;
    await Promise.all(loops);
    agent.destroy();
    Object.assign(figures, {
      sigtermReviewsBeforeSignal: beforeSignal.sent,
      sigtermLost: beforeSignal.lost.length,
      sigtermAnsweredAfterSignal: afterSignal,
      sigtermExitMs: exitMs,
      sigtermExitCode: code,
    });
    expect(beforeSignal.lost, beforeSignal.lost.slice(0, 5).join('\n')).to.deep.equal([]);
    expect(beforeSignal.sent).to.be.above(100);
    expect(code).to.equal(0);
    expect(refusedAfterSignal + afterSignal).to.be.above(0);
  });
});
