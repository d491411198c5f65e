// The HTTPS layer on loopback with a self-signed certificate from the openssl CLI: the admission path's request
// checks, the express routes, TLS version floor, certificate hot reload and graceful shutdown.
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { copyFileSync, writeFileSync } from 'node:fs';
import { connect, type PeerCertificate } from 'node:tls';
import { pino } from 'pino';
import { allowed, denied } from '../../webhook/admission.ts';
import type { AdmissionHandler } from '../../webhook/handlers.ts';
import { createMetrics } from '../../webhook/metrics.ts';
import { ADMISSION_BODY_LIMIT } from '../../webhook/admission-transport.ts';
import { WebhookServer } from '../../webhook/server.ts';
import { CertificateReloader } from '../../webhook/tls.ts';
import {
  admissionReview,
  httpsCall,
  temporaryDirectory,
  writeSelfSignedCertificate,
  type CertificateFiles,
} from '../support/webhook-helpers.ts';

function capturingLogger(): { log: pino.Logger; lines: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { log, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function peerCertificate(
  port: number,
  options: { minVersion?: string; maxVersion?: string; ciphers?: string } = {},
) {
  return new Promise<PeerCertificate>((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, ...options } as never,
      () => {
        const certificate = socket.getPeerCertificate();
        socket.end();
        resolve(certificate);
      },
    );
    socket.on('error', reject);
  });
}

describe('webhook HTTPS server', function () {
  this.timeout(20_000);
  const directory = temporaryDirectory();
  let files: CertificateFiles;
  let server: WebhookServer;
  let reloader: CertificateReloader;
  let port: number;
  let logged: ReturnType<typeof capturingLogger>;
  let notReady: string[] = [];
  let slowHandlerDelayMs = 0;
  /** The time each review's handler was given, by uid. */
  const timeGivenMs = new Map<string, number>();

  const echoHandler: AdmissionHandler = async (request, context) => {
    timeGivenMs.set(request.uid, context.deadline - Date.now());
    if (slowHandlerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, slowHandlerDelayMs));
    return request.name === 'deny-me' ? denied('no') : allowed();
  };

  before(async () => {
    files = writeSelfSignedCertificate(directory.path, 'first');
    logged = capturingLogger();
    reloader = new CertificateReloader({
      certFile: files.certFile,
      keyFile: files.keyFile,
      log: logged.log,
      onChange: (certificate) => server.setCertificate(certificate),
      pollIntervalMs: 200,
    });
    server = new WebhookServer({
      routes: { '/validate-workflowrun': { webhook: 'validate-workflowrun', handler: echoHandler } },
      certificate: reloader.current,
      log: logged.log,
      metrics: createMetrics(() => [{ resource: 'workflows', synced: notReady.length === 0, size: 3 }]),
      notReady: () => notReady,
    });
    port = (await server.listen(0, '127.0.0.1')).port;
  });

  after(async () => {
    reloader.close();
    await server.shutdown(1000);
    directory.remove();
  });

  const post = (
    body: string | Buffer,
    headers: Record<string, string | number> = {},
    path = '/validate-workflowrun',
  ) =>
    httpsCall(port, {
      method: 'POST',
      path,
      rejectUnauthorized: false,
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });

  it('answers an AdmissionReview with the uid and apiVersion echoed, ignoring the query string', async () => {
    const response = await post(
      admissionReview({ uid: 'abc-123', name: 'x' }),
      {},
      '/validate-workflowrun?timeout=10s',
    );
    expect(response.status).to.equal(200);
    expect(response.headers['content-type']).to.equal('application/json');
    expect(JSON.parse(response.body)).to.deep.equal({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'abc-123', allowed: true },
    });
  });

  it("gives the handler the API server's timeout from the query string, else the API server's default", async () => {
    await post(admissionReview({ uid: 'two-seconds' }), {}, '/validate-workflowrun?timeout=2s');
    await post(admissionReview({ uid: 'no-timeout' }), {}, '/validate-workflowrun');
    expect(timeGivenMs.get('two-seconds')).to.be.within(1500, 2000);
    expect(timeGivenMs.get('no-timeout')).to.be.within(9500, 10_000);
  });

  it('answers v1beta1 in kind', async () => {
    const response = await post(admissionReview({ uid: 'u' }, 'admission.k8s.io/v1beta1'));
    expect(JSON.parse(response.body).apiVersion).to.equal('admission.k8s.io/v1beta1');
  });

  it('accepts application/json with parameters and refuses other content types with 415', async () => {
    expect(
      (await post(admissionReview({}), { 'Content-Type': 'application/json; charset=utf-8' })).status,
    ).to.equal(200);
    for (const contentType of ['text/plain', 'application/yaml', 'application/jsonx']) {
      const response = await post(admissionReview({}), { 'Content-Type': contentType });
      expect(response.status, contentType).to.equal(415);
    }
    const response = await httpsCall(port, {
      method: 'POST',
      path: '/validate-workflowrun',
      rejectUnauthorized: false,
      body: admissionReview({}),
    });
    expect(response.status).to.equal(415);
  });

  it('accepts a body of exactly 7 MiB and refuses 7 MiB + 1 byte with 413', async () => {
    const review = admissionReview({ uid: 'big' });
    const atLimit = review + ' '.repeat(ADMISSION_BODY_LIMIT - Buffer.byteLength(review));
    expect((await post(atLimit)).status).to.equal(200);
    const response = await post(`${atLimit} `);
    expect(response.status).to.equal(413);
    expect(response.body).to.contain('exceeds 7340032 bytes');
  });

  it('refuses a chunked body that grows past the limit while it arrives', async () => {
    const status = await new Promise<number | string>((resolve) => {
      const request = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/validate-workflowrun',
          rejectUnauthorized: false,
          agent: false,
          headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      // Writing on after the refusal may reset the connection; either way nothing is answered but 413.
      request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let index = 0; index < 8; index++) request.write(chunk);
      request.end();
    });
    expect([413, 'ECONNRESET', 'EPIPE']).to.include(status);
  });

  it('answers a body that is not JSON, or not an AdmissionReview, with 400', async () => {
    for (const body of ['{not json', '[]', '{"kind":"Pod"}', admissionReview({ uid: '' })]) {
      const response = await post(body);
      expect(response.status, body).to.equal(400);
      expect(response.body.length).to.be.greaterThan(1);
    }
  });

  it('refuses methods other than POST on admission paths', async () => {
    const response = await httpsCall(port, {
      method: 'GET',
      path: '/validate-workflowrun',
      rejectUnauthorized: false,
    });
    expect(response.status).to.equal(405);
    expect(response.headers.allow).to.equal('POST');
  });

  it('serves liveness always and readiness only when nothing is pending', async () => {
    const get = (path: string) => httpsCall(port, { method: 'GET', path, rejectUnauthorized: false });
    notReady = ['informer for workflows not synced'];
    expect((await get('/healthz')).status).to.equal(200);
    const unready = await get('/readyz');
    expect(unready.status).to.equal(503);
    expect(unready.body).to.contain('informer for workflows not synced');
    notReady = [];
    expect((await get('/readyz')).status).to.equal(200);
    expect((await get('/nothing-here')).status).to.equal(404);
  });

  it('exports request counts, latency histograms and informer gauges', async () => {
    await post(admissionReview({ uid: 'm1', name: 'deny-me', dryRun: true, operation: 'UPDATE' }));
    const metrics = await httpsCall(port, { method: 'GET', path: '/metrics', rejectUnauthorized: false });
    expect(metrics.body).to.contain(
      'workflowrun_webhook_admission_requests_total{webhook="validate-workflowrun",operation="UPDATE",allowed="false",dry_run="true"} 1',
    );
    expect(metrics.body).to.contain(
      'workflowrun_webhook_admission_duration_seconds_bucket{le="0.01",webhook="validate-workflowrun",operation="UPDATE"}',
    );
    expect(metrics.body).to.contain('workflowrun_webhook_informer_cache_objects{resource="workflows"} 3');
    expect(metrics.body).to.contain('workflowrun_webhook_informer_synced{resource="workflows"} 1');
  });

  it('logs one line per review with uid, name, webhook, operation, decision, latency and dry run', async () => {
    await post(admissionReview({ uid: 'log-1', name: 'deny-me', namespace: 'team-a', dryRun: true }));
    await until(() => logged.lines().some((line) => line.uid === 'log-1'));
    const line = logged.lines().find((entry) => entry.uid === 'log-1')!;
    expect(line).to.include({
      msg: 'review',
      namespace: 'team-a',
      name: 'deny-me',
      webhook: 'validate-workflowrun',
      operation: 'CREATE',
      decision: 'denied',
      dryRun: true,
    });
    expect(line.latencyMs).to.be.a('number');
    expect(JSON.stringify(line)).not.to.contain('object');
  });

  it('answers reviews that arrive together, each with its own answer, and logs each once it is sent', async () => {
    // Answers decided in one turn of the event loop are sent together at its end: many reviews in flight on a few
    // keep-alive connections must still each get their own.
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    try {
      const uids = Array.from({ length: 60 }, (_, index) => `together-${index}`);
      const responses = await Promise.all(
        uids.map((uid, index) =>
          httpsCall(port, {
            method: 'POST',
            path: '/validate-workflowrun',
            rejectUnauthorized: false,
            agent,
            headers: { 'Content-Type': 'application/json' },
            body: admissionReview({ uid, name: index % 3 === 0 ? 'deny-me' : 'ok' }),
          }),
        ),
      );
      responses.forEach((response, index) => {
        const answer = JSON.parse(response.body) as { response: { uid: string; allowed: boolean } };
        expect(answer.response.uid).to.equal(uids[index]);
        expect(answer.response.allowed).to.equal(index % 3 !== 0);
      });
      await until(() => uids.every((uid) => logged.lines().some((line) => line.uid === uid)));
      for (const uid of uids) {
        const lines = logged.lines().filter((line) => line.uid === uid);
        expect(lines).to.have.length(1);
        expect(lines[0]!.latencyMs).to.be.a('number').and.at.least(0);
      }
    } finally {
      agent.destroy();
    }
  });

  it('has no plain-HTTP endpoint', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (response) =>
        resolve(`HTTP ${response.statusCode}`),
      );
      request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      request.end();
    });
    // Node's TLS server answers plain HTTP with a 400 of its own and never reaches a route.
    expect(outcome).not.to.equal('HTTP 200');
  });

  it('refuses TLS 1.1 from a client that offers it and accepts TLS 1.2', async () => {
    const refused = await peerCertificate(port, {
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    }).then(
      () => 'connected',
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    );
    expect(refused).to.equal('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    const accepted = await peerCertificate(port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(accepted.subject.CN).to.equal('first');
  });

  it('serves a rotated certificate without a restart and keeps it when the next one is broken', async () => {
    const staging = temporaryDirectory();
    try {
      const rotated = writeSelfSignedCertificate(staging.path, 'rotated');
      copyFileSync(rotated.keyFile, files.keyFile);
      copyFileSync(rotated.certFile, files.certFile);
      await until(async () => (await peerCertificate(port)).subject.CN === 'rotated');
      expect(new X509Certificate(reloader.current.cert).subject).to.contain('CN=rotated');

      writeFileSync(files.certFile, '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n');
      await until(() =>
        logged
          .lines()
          .some((line) => line.msg === 'new serving certificate rejected; still serving the previous one'),
      );
      expect((await peerCertificate(port)).subject.CN).to.equal('rotated');

      // A certificate whose key is not the one on disk: also kept out.
      const other = writeSelfSignedCertificate(staging.path, 'mismatched');
      copyFileSync(other.certFile, files.certFile);
      await until(() =>
        logged
          .lines()
          .some((line) => typeof line.err === 'string' && line.err.includes('does not load with')),
      );
      expect((await peerCertificate(port)).subject.CN).to.equal('rotated');
      copyFileSync(rotated.certFile, files.certFile);
    } finally {
      staging.remove();
    }
  });

  it('on shutdown finishes reviews in flight and then refuses new connections', async () => {
    const other = new WebhookServer({
      routes: { '/validate-workflowrun': { webhook: 'validate-workflowrun', handler: echoHandler } },
      certificate: reloader.current,
      log: logged.log,
      metrics: createMetrics(),
    });
    const otherPort = (await other.listen(0, '127.0.0.1')).port;
    const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });
    slowHandlerDelayMs = 300;
    try {
      const inFlight = Array.from({ length: 5 }, (_, index) =>
        httpsCall(otherPort, {
          method: 'POST',
          path: '/validate-workflowrun',
          agent,
          headers: { 'Content-Type': 'application/json' },
          body: admissionReview({ uid: `inflight-${index}` }),
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closed = other.shutdown(5000);
      expect(other.notReady()).to.deep.equal(['shutting down']);
      const responses = await Promise.all(inFlight);
      expect(responses.map((response) => response.status)).to.deep.equal([200, 200, 200, 200, 200]);
      expect(responses.map((response) => response.headers.connection)).to.deep.equal(Array(5).fill('close'));
      await closed;
      const refused = await httpsCall(otherPort, {
        method: 'GET',
        path: '/healthz',
        rejectUnauthorized: false,
      }).then(
        () => 'answered',
        (error: NodeJS.ErrnoException) => error.code,
      );
      expect(refused).to.equal('ECONNREFUSED');
    } finally {
      slowHandlerDelayMs = 0;
      agent.destroy();
    }
  });
});
