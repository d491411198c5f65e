// Security checks, each with a real client or the real API server: no plain-HTTP admission endpoint, TLS 1.0/1.1
// refused (openssl s_client and Node's tls), the chart's pod template through the API server's own Pod Security
// admission at `restricted`, the chart's service account can do exactly what the chart grants, production
// dependencies without high/critical advisories, and no secret or whole object in the logs at the default level.
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../local-cluster/tools.ts';
import { CLUSTER_START_TIMEOUT_MS, useCluster, type E2ECluster } from '../e2e/harness.ts';
import { recordResult } from './results.ts';
import {
  PLUGIN_BUNDLE,
  scratchDirectory,
  send,
  startChildWebhook,
  unreachableKubeconfig,
  writeSelfSignedCertificate,
  type ChildWebhook,
} from './support.ts';

const execFileAsync = promisify(execFile);
const CHART = join(REPO_ROOT, 'charts', 'workflowrun-webhook');

interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

/** TCP ports a process listens on, from /proc (its socket inodes matched against the LISTEN entries). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && inodes.has(fields[9] ?? ''))
        ports.push(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

function openssl(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stdin.end('Q\n');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

function nodeTls(port: number, options: { minVersion: string; maxVersion: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      // Let the client offer the old protocols at all (OpenSSL 3 refuses them below security level 0), so that a
      // refusal is the server's.
      ciphers: 'DEFAULT@SECLEVEL=0',
      minVersion: options.minVersion as 'TLSv1',
      maxVersion: options.maxVersion as 'TLSv1.1',
    });
    socket.once('secureConnect', () => {
      resolve(`connected with ${socket.getProtocol()}`);
      socket.end();
    });
    socket.once('error', (error) =>
      resolve(`refused: ${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`),
    );
  });
}

describe('reliability: security checks', function () {
  this.timeout(120_000);
  const figures: Record<string, unknown> = {};
  after(() => recordResult('security', figures));

  describe('the webhook program', function () {
    const directory = scratchDirectory('security');
    const certificate = writeSelfSignedCertificate(directory.path, 'security');
    let webhook: ChildWebhook | undefined;
    before(async function () {
      this.timeout(60_000);
      webhook = await startChildWebhook({
        certFile: certificate.certFile,
        keyFile: certificate.keyFile,
        kubeconfig: unreachableKubeconfig(directory.path),
      });
    });
    after(async () => {
      await webhook?.kill();
      directory.remove();
    });

    it('listens on one port only, and a plain-HTTP admission request there gets no answer', async function () {
      expect(listeningPorts(webhook!.pid)).to.deep.equal([webhook!.port]);
      const outcome = await new Promise<string>((resolve) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port: webhook!.port,
            method: 'POST',
            path: '/validate-workflowrun',
            headers: { 'Content-Type': 'application/json' },
          },
          (response) => resolve(`HTTP ${response.statusCode}`),
        );
        request.on('error', (error) => resolve(`failed: ${error.message}`));
        request.setTimeout(5000, () => request.destroy(new Error('timeout')));
        request.end(
          '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"CREATE"}}',
        );
      });
      figures.plainHttp = outcome;
      expect(outcome).to.match(/^failed: /);
    });

    it('refuses TLS 1.0 and 1.1 (openssl s_client and Node tls), accepts 1.2 and 1.3', async function () {
      const target = `127.0.0.1:${webhook!.port}`;
      const results: Record<string, string> = {};
      for (const version of ['tls1', 'tls1_1', 'tls1_2', 'tls1_3']) {
        const { code, output } = await openssl([
          's_client',
          '-connect',
          target,
          `-${version}`,
          '-cipher',
          'DEFAULT@SECLEVEL=0',
        ]);
        const protocol = /Protocol\s*:\s*(\S+)/.exec(output)?.[1] ?? /New, (TLSv[\d.]+)/.exec(output)?.[1];
        results[`openssl -${version}`] =
          code === 0 && protocol
            ? `connected (${protocol})`
            : `refused (${/alert [a-z ]+|no protocols available|unsupported protocol/i.exec(output)?.[0] ?? `exit ${code}`})`;
      }
      results['node TLSv1'] = await nodeTls(webhook!.port, { minVersion: 'TLSv1', maxVersion: 'TLSv1' });
      results['node TLSv1.1'] = await nodeTls(webhook!.port, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
      results['node TLSv1.2'] = await nodeTls(webhook!.port, {
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.2',
      });
      figures.tls = results;
      expect(results['openssl -tls1'], 'openssl TLS 1.0').to.match(/^refused/);
      expect(results['openssl -tls1_1'], 'openssl TLS 1.1').to.match(/^refused/);
      // The refusal is the server's (a protocol_version alert), not the client's own inability to offer 1.1.
      expect(results['openssl -tls1_1']).to.not.match(/no protocols available/);
      expect(results['openssl -tls1_2']).to.match(/^connected/);
      expect(results['openssl -tls1_3']).to.match(/^connected/);
      expect(results['node TLSv1']).to.match(/^refused/);
      expect(results['node TLSv1.1']).to.match(/^refused/);
      expect(results['node TLSv1.1']).to.match(/protocol version|UNSUPPORTED_PROTOCOL|alert/i);
      expect(results['node TLSv1.2']).to.match(/^connected with TLSv1.2/);
    });
  });

  // Regression: kubectl-plugin/kube.ts once loaded the yaml library with a dynamic import that esbuild bundled
  // into a namespace without named exports, so both bundled programs failed on every kubeconfig with
  // "parse is not a function" (found by this suite, fixed by the plugin's owner in 206fd88).
  it('the bundled webhook and plugin read a kubeconfig (regression: "parse is not a function")', async function () {
    const directory = scratchDirectory('bundle');
    let webhook: ChildWebhook | undefined;
    try {
      const kubeconfig = unreachableKubeconfig(directory.path);
      const certificate = writeSelfSignedCertificate(directory.path, 'bundle');
      const previous = process.env.RELIABILITY_FROM_SOURCE;
      delete process.env.RELIABILITY_FROM_SOURCE;
      try {
        webhook = await startChildWebhook({
          certFile: certificate.certFile,
          keyFile: certificate.keyFile,
          kubeconfig,
        });
      } finally {
        if (previous !== undefined) process.env.RELIABILITY_FROM_SOURCE = previous;
      }
      expect(webhook.stderr()).to.not.match(/not valid YAML|is not a function/);
      const plugin = await execFileAsync(process.execPath, [PLUGIN_BUNDLE, 'list'], {
        timeout: 15_000,
        env: { ...process.env, KUBECONFIG: kubeconfig },
      }).catch((error: { stdout?: string; stderr?: string }) => error);
      expect(String(plugin.stderr), 'plugin stderr').to.match(/cannot reach|connection refused/);
      expect(String(plugin.stderr), 'plugin stderr').to.not.match(/not valid YAML|is not a function/);
    } finally {
      await webhook?.kill();
      directory.remove();
    }
  });

  it('production dependencies have no high or critical advisories (npm audit --omit=dev)', async function () {
    let output: string;
    try {
      ({ stdout: output } = await execFileAsync('npm', ['audit', '--omit=dev', '--json'], {
        cwd: REPO_ROOT,
        timeout: 60_000,
        maxBuffer: 32 * 1024 * 1024,
      }));
    } catch (error) {
      // npm audit exits 1 when it finds anything; its JSON is still on stdout.
      output = (error as { stdout?: string }).stdout ?? '';
    }
    let report: {
      metadata?: { vulnerabilities?: Record<string, number> };
      error?: unknown;
      message?: string;
    };
    try {
      report = JSON.parse(output) as typeof report;
    } catch {
      report = {};
    }
    const counts = report.metadata?.vulnerabilities;
    if (!counts) {
      figures.npmAudit = 'skipped: the registry did not answer';
      console.log(
        `      skipped: npm audit got no answer from the registry (${String(report.message ?? output.slice(0, 120)).trim()})`,
      );
      this.skip();
    }
    figures.npmAudit = counts;
    expect({ high: counts!.high, critical: counts!.critical }).to.deep.equal({ high: 0, critical: 0 });
  });

  describe('on the real API server', function () {
    let cluster: E2ECluster;
    let namespace = '';
    const release = `sec${Math.random().toString(36).slice(2, 7)}`;
    let rendered: RenderedObject[] = [];

    before(async function () {
      this.timeout(CLUSTER_START_TIMEOUT_MS);
      cluster = await useCluster('v1.x');
      namespace = await cluster.createNamespace('reliability-security');
      const result = await cluster.helm(['template', release, CHART, '--namespace', namespace]);
      if (result.code !== 0) throw new Error(`helm template: ${result.stderr}`);
      rendered = parseAllDocuments(result.stdout)
        .map((document) => document.toJS() as RenderedObject | null)
        .filter((object): object is RenderedObject => object !== null);
    });
    after(async function () {
      this.timeout(30_000);
      if (!cluster) return;
      const clusterScoped = rendered.filter(
        (object) => object.kind === 'ClusterRole' || object.kind === 'ClusterRoleBinding',
      );
      for (const object of clusterScoped)
        await cluster.kubectl(['delete', object.kind, object.metadata.name, '--ignore-not-found']);
      await cluster.deleteNamespace(namespace);
      await cluster.deleteNamespace(`${namespace}-psa`);
    });

    it("the chart's Deployment passes Pod Security admission at restricted, without warnings", async function () {
      const psaNamespace = `${namespace}-psa`;
      const created = await cluster.kubectl(['create', 'namespace', psaNamespace]);
      expect(created.code, created.stderr).to.equal(0);
      const labelled = await cluster.kubectl([
        'label', 'namespace', psaNamespace,
        'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted', 'pod-security.kubernetes.io/audit=restricted',
      ]); // prettier-ignore
      expect(labelled.code, labelled.stderr).to.equal(0);
      const deployment = rendered.find((object) => object.kind === 'Deployment');
      expect(deployment, 'a Deployment in the chart').to.not.equal(undefined);
      const input = JSON.stringify({
        ...deployment,
        metadata: { ...deployment!.metadata, namespace: psaNamespace },
      });
      const result = await cluster.kubectl(['apply', '--dry-run=server', '-n', psaNamespace, '-f', '-'], {
        input,
      });
      figures.podSecurity = {
        exitCode: result.code,
        warnings: result.stderr.split('\n').filter((line) => line.startsWith('Warning:')),
      };
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.not.match(/Warning:/);
      // And a Pod made from its template is admitted as well (Deployments are checked by warn/audit, Pods by enforce).
      const template = (deployment as unknown as { spec: { template: { metadata?: object; spec: object } } })
        .spec.template;
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'psa-probe', namespace: psaNamespace },
        spec: template.spec,
      };
      const podResult = await cluster.kubectl(['apply', '--dry-run=server', '-n', psaNamespace, '-f', '-'], {
        input: JSON.stringify(pod),
      });
      expect(podResult.code, podResult.stderr).to.equal(0);
      expect(podResult.stderr).to.not.match(/Warning:/);
    });

    it("the chart's service account can do exactly what the chart grants and nothing more", async function () {
      const rbacKinds = new Set([
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'Role',
        'RoleBinding',
      ]);
      const rbac = rendered.filter((object) => rbacKinds.has(object.kind));
      const serviceAccount = rbac.find((object) => object.kind === 'ServiceAccount');
      expect(serviceAccount, 'a ServiceAccount in the chart').to.not.equal(undefined);
      const input = rbac.map((object) => JSON.stringify(object)).join('\n');
      const applied = await cluster.kubectl(['apply', '-n', namespace, '-f', '-'], { input });
      expect(applied.code, applied.stderr).to.equal(0);

      const canList = async (user: string) => {
        const result = await cluster.kubectl(['auth', 'can-i', '--list', `--as=${user}`, '-n', namespace]);
        expect(result.code, result.stderr).to.equal(0);
        return new Set(
          result.stdout
            .split('\n')
            .slice(1)
            .map((line) => line.trim().replace(/\s+/g, ' '))
            .filter(Boolean),
        );
      };
      const account = `system:serviceaccount:${namespace}:${serviceAccount!.metadata.name}`;
      // A service account without bindings has what every authenticated user has (discovery, self reviews);
      // the difference is what the chart grants.
      const [granted, baseline] = await Promise.all([
        canList(account),
        canList(`system:serviceaccount:${namespace}:nobody`),
      ]);
      const extra = [...granted].filter((line) => !baseline.has(line)).sort();
      figures.serviceAccountGrants = extra;
      // The chart's rules, as can-i prints them: resource.group, verbs.
      const expected = rbac
        .filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role')
        .flatMap(
          (role) =>
            (role as { rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }).rules ?? [],
        )
        .flatMap((rule) =>
          rule.resources.flatMap((resource) =>
            rule.apiGroups.map(
              (group) => `${resource}${group ? `.${group}` : ''} [] [] [${rule.verbs.join(' ')}]`,
            ),
          ),
        )
        .sort();
      expect(extra).to.deep.equal(expected);
      for (const [verb, resource] of [
        ['create', 'workflows.openchoreo.dev'],
        ['get', 'workflowruns.openchoreo.dev'],
        ['get', 'secrets'],
        ['list', 'pods'],
        ['create', 'mutatingwebhookconfigurations.admissionregistration.k8s.io'],
        ['impersonate', 'serviceaccounts'],
      ] as const) {
        const result = await cluster.kubectl([
          'auth',
          'can-i',
          verb,
          resource,
          `--as=${account}`,
          '-n',
          namespace,
        ]);
        expect(result.stdout.trim(), `${verb} ${resource}`).to.equal('no');
      }
    });

    it('logs no secret and no whole object at the default level', async function () {
      const directory = scratchDirectory('logs');
      const secret = `ghp_${'S3cr3tT0k3n'.repeat(3)}`;
      let webhook: ChildWebhook | undefined;
      try {
        const serving = await cluster.issueServingCert(['127.0.0.1'], 'reliability-logs');
        const workflow = {
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'Workflow',
          metadata: { name: 'with-token', namespace },
          spec: {
            runTemplate: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'x' } },
            parameters: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  token: { type: 'string', minLength: 1 },
                  mode: { type: 'string', enum: ['a'] },
                  region: { type: 'string', default: 'eu' },
                },
              },
            },
          },
        };
        const applied = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(workflow) });
        expect(applied.code, applied.stderr).to.equal(0);
        webhook = await startChildWebhook({
          certFile: serving.certPath,
          keyFile: serving.keyPath,
          kubeconfig: cluster.kubeconfigPath,
          waitReady: true,
        });
        const reviewOf = (uid: string, parameters: object, annotations: object = {}) =>
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            request: {
              uid,
              kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'WorkflowRun' },
              namespace,
              operation: 'CREATE',
              object: {
                apiVersion: 'openchoreo.dev/v1alpha1',
                kind: 'WorkflowRun',
                metadata: { name: `run-${uid}`, namespace, annotations },
                spec: { workflow: { kind: 'Workflow', name: 'with-token', parameters } },
              },
            },
          });
        const answers: number[] = [];
        for (const [path, body] of [
          ['/validate-workflowrun', reviewOf('allowed', { token: secret })],
          ['/mutate-workflowrun', reviewOf('patched', { token: secret })],
          ['/validate-workflowrun', reviewOf('denied', { token: secret, mode: secret })],
          ['/validate-workflowrun', reviewOf('unknown', { token: secret, [secret]: secret })],
          [
            '/validate-workflowrun',
            reviewOf('annotated', { token: secret }, { 'example.com/token': secret }),
          ],
          ['/validate-workflowrun', reviewOf('bad-json', { token: secret }).slice(0, -3)],
          [
            '/validate-workflow',
            JSON.stringify({
              apiVersion: 'admission.k8s.io/v1',
              kind: 'AdmissionReview',
              request: {
                uid: 'wf',
                operation: 'CREATE',
                kind: { kind: 'Workflow' },
                namespace,
                object: {
                  ...workflow,
                  spec: {
                    parameters: {
                      openAPIV3Schema: {
                        type: 'object',
                        properties: { t: { type: 'string', default: secret, pattern: '([' } },
                      },
                    },
                  },
                },
              },
            }),
          ],
        ] as const) {
          answers.push((await send({ port: webhook.port, path, body })).status);
        }
        // Reviews are logged asynchronously in batches: SIGTERM flushes them.
        webhook.process.kill('SIGTERM');
        await webhook.exited;
        const lines = webhook.stdout().split('\n').filter(Boolean);
        const reviewLines = lines.filter((line) => line.includes('"review"'));
        figures.logLines = {
          total: lines.length,
          reviews: reviewLines.length,
          secretFound: lines.some((line) => line.includes(secret)),
        };
        expect(answers.filter((status) => status === 200)).to.have.length(6);
        expect(reviewLines.length, 'one log line per review').to.equal(6);
        const leaking = lines.filter((line) => line.includes(secret) || line.includes('S3cr3t'));
        expect(leaking, 'lines with the secret').to.deep.equal([]);
        const wholeObjects = lines.filter((line) =>
          /"(spec|object|oldObject|parameters|annotations)"\s*:/.test(line),
        );
        expect(wholeObjects, 'lines with a whole object').to.deep.equal([]);
      } finally {
        await webhook?.kill();
        directory.remove();
      }
    });
  });
});
