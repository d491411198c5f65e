// The webhook program's life cycle under conditions its orchestrator creates: here, a log reader that goes away
// (a container runtime's log shim restarting, `| head` in development) before the pod is told to stop.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { REPO_ROOT } from '../../local-cluster/tools.ts';
import { freePort } from '../../local-cluster/processes.ts';
import {
  scratchDirectory,
  send,
  unreachableKubeconfig,
  WEBHOOK_BUNDLE,
  writeSelfSignedCertificate,
} from './support.ts';

describe('reliability: the webhook process', function () {
  this.timeout(30_000);

  // Regression (found by this suite in webhook/log.ts as of 8f2dc99, owner: webhook): once the reader of the
  // webhook's stdout had gone, SIGTERM never ended the process: its main thread waited on a futex for good and even
  // the shutdown bound (--shutdown-timeout + 2 s) did not fire, so the pod could only be SIGKILLed. Reproduce: start
  // the bundle with stdout piped, close the pipe's read end, send SIGTERM.
  it('SIGTERM ends the webhook within its shutdown bound after its stdout reader has gone (regression)', async function () {
    if (!existsSync(WEBHOOK_BUNDLE)) this.skip();
    const directory = scratchDirectory('closed-stdout');
    const certificate = writeSelfSignedCertificate(directory.path, 'closed-stdout');
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        WEBHOOK_BUNDLE,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--tls-cert-file=${certificate.certFile}`,
        `--tls-key-file=${certificate.keyFile}`,
        `--kubeconfig=${unreachableKubeconfig(directory.path)}`,
        '--shutdown-timeout=1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT },
    );
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(`${code ?? signal}`)),
    );
    try {
      const deadline = Date.now() + 15_000;
      while (
        (await send({ port, method: 'GET', path: '/healthz', timeoutMs: 1000 }).catch(() => undefined))
          ?.status !== 200
      ) {
        if (Date.now() > deadline) throw new Error('the webhook did not start');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      child.stdout.destroy();
      child.stderr.destroy();
      child.kill('SIGTERM');
      const outcome = await Promise.race([
        exited,
        new Promise<string>((resolve) => setTimeout(() => resolve('still running 8 s after SIGTERM'), 8000)),
      ]);
      // Exit code 0, or death by SIGPIPE: either way the process is gone.
      expect(outcome).to.not.equal('still running 8 s after SIGTERM');
    } finally {
      child.kill('SIGKILL');
      await exited;
      directory.remove();
    }
  });
});
