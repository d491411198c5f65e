// The real KubeClient over TLS with a client certificate, as against a kube-apiserver: every call is authenticated
// with the kubeconfig's certificate, and the calls of one command share one connection (client-node alone would open
// one, with a full handshake, per call).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { stringify } from 'yaml';
import { createKubeClient } from '../../../kubectl-plugin/kube-client.ts';
import { createControlPlanePki, type ControlPlanePki } from '../../../local-cluster/certs.ts';

const base64 = (pem: string) => Buffer.from(pem).toString('base64');

describe('plugin KubeClient over TLS', function () {
  // openssl makes the certificates.
  this.timeout(20_000);
  let scratch: string;
  let pki: ControlPlanePki;
  let server: Server;
  let kubeconfig: string;
  let port: number;
  let connections: number;
  const clients: string[] = [];

  /** A kubeconfig for the server, trusting `caPem` and signing in with the admin client certificate. */
  function writeKubeconfig(caPem: string): void {
    kubeconfig = path.join(scratch, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'c',
            cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': base64(caPem) },
          },
        ],
        users: [
          {
            name: 'admin',
            user: {
              'client-certificate-data': base64(pki.admin.certPem),
              'client-key-data': base64(pki.admin.keyPem),
            },
          },
        ],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'admin', namespace: 'team-a' } }],
        'current-context': 'c',
      }),
    );
  }

  before(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'plugin-kube-tls-'));
    pki = await createControlPlanePki(scratch);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  beforeEach(async () => {
    connections = 0;
    clients.length = 0;
    server = createServer(
      {
        cert: pki.apiserver.certPem,
        key: pki.apiserver.keyPem,
        ca: pki.ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (request, response) => {
        clients.push(String((request.socket as TLSSocket).getPeerCertificate().subject.CN));
        const name = request.url!.split('/').at(-1)!;
        response.setHeader('Content-Type', 'application/json');
        response.end(
          JSON.stringify({ apiVersion: 'openchoreo.dev/v1alpha1', kind: 'WorkflowRun', metadata: { name } }),
        );
      },
    );
    server.on('secureConnection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    writeKubeconfig(pki.ca.certPem);
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends every call with the client certificate over one connection', async () => {
    const kube = createKubeClient({ kubeconfig });
    const first = await kube.get({ plural: 'workflowruns', namespace: 'team-a', name: 'build-1' });
    const second = await kube.get({ plural: 'clusterworkflows', name: 'docker' });
    await kube.get({ plural: 'workflowruns', namespace: 'team-a', name: 'build-2' });
    expect(first.metadata).to.deep.equal({ name: 'build-1' });
    expect(second.metadata).to.deep.equal({ name: 'docker' });
    expect(clients).to.deep.equal(['admin', 'admin', 'admin']);
    expect(connections).to.equal(1);
  });

  it('still verifies the server against the kubeconfig CA', async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'plugin-kube-tls-other-'));
    try {
      const stranger = await createControlPlanePki(other);
      writeKubeconfig(stranger.ca.certPem);
      const error = await createKubeClient({ kubeconfig })
        .get({ plural: 'workflowruns', namespace: 'team-a', name: 'build-1' })
        .then(
          () => undefined,
          (err: unknown) => err as Error,
        );
      expect(error?.name).to.equal('KubeConnectionError');
      expect(error?.message).to.match(
        /^cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:\d+: .*certificate/,
      );
      expect(clients).to.deep.equal([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
