// The webhook end to end: the real program, registered by URL + caBundle with a real kube-apiserver, driven by the
// real kubectl, for both CRD generations.
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../../local-cluster/tools.ts';
import {
  registeredWebhook,
  samplesDir,
  withCluster,
  type ClusterContext,
  type CrdVersion,
} from './harness.ts';
import { startWebhook, type RunningWebhook } from './webhook-process.ts';

const DISPLAY_NAME = 'openchoreo.dev/display-name';

interface StoredRun {
  metadata: { name: string; annotations?: Record<string, string>; finalizers?: string[] };
  spec: { workflow: { parameters?: Record<string, unknown> } };
}

function yamlOf(...objects: unknown[]): string {
  return objects.map((object) => `---\n${stringify(object)}`).join('');
}

function workflowRun(name: string, workflow: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name },
    spec: { workflow },
  };
}

async function getRun(e2e: ClusterContext, name: string): Promise<StoredRun | undefined> {
  const result = await e2e.kubectl(['get', 'workflowrun', name, '-o', 'json']);
  return result.code === 0 ? (JSON.parse(result.stdout) as StoredRun) : undefined;
}

function invalidRunCases(
  version: CrdVersion,
): { title: string; run: Record<string, unknown>; fields: string[] }[] {
  return [
    {
      title: 'missing Workflow',
      run: workflowRun('orphan', workflowRef(version, 'no-such-workflow')),
      fields: ['spec.workflow.name: Not found: Workflow "no-such-workflow" in namespace'],
    },
    {
      title: 'several parameter errors at once',
      run: workflowRun(
        'bad-params',
        workflowRef(version, 'integration-tests', {
          repository: { url: 42, branch: 'main' },
          environment: 'moon',
          testCommand: ['x'],
          typo: 1,
        }),
      ),
      fields: [
        'spec.workflow.parameters.repository.url',
        'spec.workflow.parameters.environment',
        'spec.workflow.parameters.testCommand',
        'spec.workflow.parameters.typo',
      ],
    },
    {
      title: 'missing required parameter',
      run: workflowRun('bad-url', workflowRef(version, 'integration-tests', { repository: {} })),
      fields: ['spec.workflow.parameters.repository.url: Required value'],
    },
    {
      title: 'pattern violation',
      run: workflowRun(
        'bad-pattern',
        workflowRef(version, 'integration-tests', { repository: { url: 'ftp://x' } }),
      ),
      fields: ['spec.workflow.parameters.repository.url'],
    },
  ];
}

// The v1.x CRDs prune the shorthand `spec.schema`, so each generation gets the Workflow in its own format.
async function integrationTestsWorkflow(namespace: string, version: CrdVersion = 'v0.17'): Promise<string> {
  const file = version === 'v0.17' ? 'integration-tests.yaml' : 'integration-tests-openapi.yaml';
  const text = await readFile(join(REPO_ROOT, 'test', 'fixtures', 'workflows', file), 'utf8');
  return text.replace('namespace: default', `namespace: ${namespace}`);
}

// The v1.x CRD defaults a missing kind to ClusterWorkflow; the v0.17 CRD has no kind (a Workflow is meant).
function workflowRef(
  version: CrdVersion,
  name: string,
  parameters?: Record<string, unknown>,
): Record<string, unknown> {
  return { ...(version === 'v1.x' ? { kind: 'Workflow' } : {}), name, ...(parameters ? { parameters } : {}) };
}

function sharedBehaviour(
  version: CrdVersion,
  e2e: ClusterContext,
  registered: { readonly webhook: RunningWebhook },
) {
  it(`${version}: rejects invalid runs with exit code 1, every field path on stderr, nothing stored`, async function () {
    this.timeout(60_000);
    await e2e.kubectl(['apply', '-f', '-'], {
      input: await integrationTestsWorkflow(e2e.namespace, version),
    });
    for (const { title, run, fields } of invalidRunCases(version)) {
      const result = await e2e.kubectl(['apply', '-f', '-'], { input: yamlOf(run) });
      expect(result.code, `${title}: ${result.stderr}`).to.equal(1);
      expect(result.stderr).to.contain(
        'admission webhook "validate-workflowrun.openchoreo.dev" denied the request',
      );
      for (const field of fields) expect(result.stderr, title).to.contain(field);
      expect(await getRun(e2e, (run.metadata as { name: string }).name), title).to.equal(undefined);
    }
  });

  it(`${version}: prints a denial one field per line`, async function () {
    await e2e.kubectl(['apply', '-f', '-'], {
      input: await integrationTestsWorkflow(e2e.namespace, version),
    });
    const result = await e2e.kubectl(['create', '-f', '-'], {
      input: yamlOf(
        workflowRun('legible', workflowRef(version, 'integration-tests', { repository: {}, typo: 1 })),
      ),
    });
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).to.match(/denied the request: WorkflowRun "legible" is invalid:$/);
    expect(lines.slice(1)).to.deep.equal([
      '  spec.workflow.parameters.repository.url: Required value',
      lines[2],
    ]);
    expect(lines[2]).to.match(/^ {2}spec\.workflow\.parameters\.typo: /);
  });

  it(`${version}: applies a Workflow and its run together from one directory`, async function () {
    const directory = await mkdtemp(join(tmpdir(), 'webhook-e2e-dir-'));
    try {
      await writeFile(
        join(directory, 'a-workflow.yaml'),
        await integrationTestsWorkflow(e2e.namespace, version),
      );
      await writeFile(
        join(directory, 'b-run.yaml'),
        yamlOf(
          workflowRun(
            'together',
            workflowRef(version, 'integration-tests', { repository: { url: 'https://x.example/r' } }),
          ),
        ),
      );
      const result = await e2e.kubectl(['apply', '-f', directory]);
      expect(result.code, result.stderr).to.equal(0);
      const stored = await getRun(e2e, 'together');
      expect(stored?.spec.workflow.parameters).to.deep.equal({
        repository: { url: 'https://x.example/r', branch: 'main' },
        testCommand: 'npm test',
        environment: 'staging',
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it(`${version}: dry-run=server, diff, generateName, server-side apply and a finalizer-only update`, async function () {
    this.timeout(60_000);
    await e2e.kubectl(['apply', '-f', '-'], {
      input: await integrationTestsWorkflow(e2e.namespace, version),
    });
    const run = workflowRun(
      'flows',
      workflowRef(version, 'integration-tests', { repository: { url: 'https://x.example/r' } }),
    );

    const dry = await e2e.kubectl(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], {
      input: yamlOf(run),
    });
    expect(dry.code, dry.stderr).to.equal(0);
    expect((JSON.parse(dry.stdout) as StoredRun).spec.workflow.parameters?.environment).to.equal('staging');
    expect(await getRun(e2e, 'flows')).to.equal(undefined);

    const badDry = await e2e.kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: yamlOf(workflowRun('flows', workflowRef(version, 'integration-tests', {}))),
    });
    expect(badDry.code).to.equal(1);
    expect(badDry.stderr).to.contain('spec.workflow.parameters.repository');

    expect((await e2e.kubectl(['apply', '-f', '-'], { input: yamlOf(run) })).code).to.equal(0);
    const same = await e2e.kubectl(['diff', '-f', '-'], { input: yamlOf(run) });
    expect(same.code, `${same.stdout}${same.stderr}`).to.equal(0);
    const changed = structuredClone(run) as { spec: { workflow: { parameters: Record<string, unknown> } } };
    changed.spec.workflow.parameters.environment = 'production';
    const diff = await e2e.kubectl(['diff', '-f', '-'], { input: yamlOf(changed) });
    expect(diff.code, diff.stderr).to.equal(1);
    expect(diff.stdout).to.match(/^\+\s+environment: production$/m);

    const generated = await e2e.kubectl(['create', '-o', 'json', '-f', '-'], {
      input: yamlOf({ ...run, metadata: { generateName: 'flows-' } }),
    });
    expect(generated.code, generated.stderr).to.equal(0);
    const created = JSON.parse(generated.stdout) as StoredRun;
    expect(created.metadata.name).to.match(/^flows-.{5}$/);
    expect(created.metadata.annotations?.[DISPLAY_NAME]).to.equal('integration-tests: flows');

    const ssaRun = { ...run, metadata: { name: 'flows-ssa' } };
    for (let attempt = 0; attempt < 2; attempt++) {
      const ssa = await e2e.kubectl(['apply', '--server-side', '-f', '-'], { input: yamlOf(ssaRun) });
      expect(ssa.code, ssa.stderr).to.equal(0);
    }
    expect((await getRun(e2e, 'flows-ssa'))?.spec.workflow.parameters?.testCommand).to.equal('npm test');

    // The controller's own update: with the Workflow gone, adding a finalizer must still pass.
    expect((await e2e.kubectl(['delete', 'workflow', 'integration-tests'])).code).to.equal(0);
    const finalizer = await e2e.kubectl([
      'patch', 'workflowrun', 'flows', '--type=merge',
      '-p', '{"metadata":{"finalizers":["openchoreo.dev/workflowrun-cleanup"]},"spec":{"ttlAfterCompletion":"1d"}}',
    ]); // prettier-ignore
    expect(finalizer.code, finalizer.stderr).to.equal(0);
    expect((await getRun(e2e, 'flows'))?.metadata.finalizers).to.deep.equal([
      'openchoreo.dev/workflowrun-cleanup',
    ]);
    // Changing parameters does consult the Workflow, which is gone now.
    const reparam = await e2e.kubectl([
      'patch', 'workflowrun', 'flows', '--type=merge', '-p', '{"spec":{"workflow":{"parameters":{"environment":"production"}}}}',
    ]); // prettier-ignore
    expect(reparam.code).to.equal(1);
    expect(reparam.stderr).to.contain('Not found: Workflow "integration-tests"');
  });

  it(`${version}: rejects a Workflow whose schema does not compile`, async () => {
    const broken = {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'broken' },
      spec: {
        runTemplate: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow' },
        ...(version === 'v0.17'
          ? { schema: { parameters: { size: 'integer | default=abc' } } }
          : {
              parameters: {
                openAPIV3Schema: { type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } },
              },
            }),
      },
    };
    const result = await e2e.kubectl(['apply', '-f', '-'], { input: yamlOf(broken) });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain(
      'admission webhook "validate-workflow.openchoreo.dev" denied the request',
    );
    expect(result.stderr).to.contain('broken');
    expect((await e2e.kubectl(['get', 'workflow', 'broken'])).code).to.equal(1);
  });

  it(`${version}: serves a certificate rotated on disk without a restart`, async function () {
    this.timeout(30_000);
    const { webhook } = registered;
    const servedSubject = () =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port: webhook.port, ca: e2e.cluster.webhookCa.certPem },
          () => {
            const subject = socket.getPeerX509Certificate()?.subject ?? '';
            socket.end();
            resolve(subject);
          },
        );
        socket.on('error', reject);
      });
    const name = `rotated-${version.replace('.', '')}`;
    const pem = await webhook.rotateCertificate(name);
    expect(new X509Certificate(pem).subject).to.contain(name);
    const deadline = Date.now() + 15_000;
    while (!(await servedSubject()).includes(name)) {
      if (Date.now() > deadline) throw new Error('rotated certificate not served');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await e2e.kubectl(['apply', '-f', '-'], {
      input: await integrationTestsWorkflow(e2e.namespace, version),
    });
    const result = await e2e.kubectl(['apply', '-f', '-'], {
      input: yamlOf(
        workflowRun(
          'after-rotation',
          workflowRef(version, 'integration-tests', { repository: { url: 'https://x.example/r' } }),
        ),
      ),
    });
    expect(result.code, result.stderr).to.equal(0);
  });
}

describe('webhook e2e with the v0.17 CRDs (the seed)', function () {
  const e2e = withCluster('v0.17');
  const registered = registeredWebhook(e2e);

  it('v0.17: accepts every seed example with defaults and a display name stored; the minimal run is complete', async function () {
    this.timeout(60_000);
    const dockerBuild = (await readFile(join(samplesDir('v0.17'), 'docker-build.yaml'), 'utf8')).replace(
      'namespace: default',
      `namespace: ${e2e.namespace}`,
    );
    for (const workflow of [dockerBuild, await integrationTestsWorkflow(e2e.namespace)]) {
      const applied = await e2e.kubectl(['apply', '-f', '-'], { input: workflow });
      expect(applied.code, applied.stderr).to.equal(0);
    }
    // The seed's example runs, one document each in the v0.17 samples.
    const examples = (await readFile(join(samplesDir('v0.17'), 'runs.yaml'), 'utf8')).split(/^---\n/m);
    expect(examples).to.have.length(4);
    for (const example of examples) {
      const result = await e2e.kubectl(['apply', '-f', '-'], { input: example });
      expect(result.code, `${example}\n${result.stderr}`).to.equal(0);
    }
    const minimal = await getRun(e2e, 'simple-workflow-run');
    expect(minimal?.spec.workflow.parameters).to.deep.equal({
      repository: {
        url: 'https://github.com/myorg/hello-world',
        revision: { branch: 'main', commit: '' },
        appPath: '/service-go-greeter',
      },
      docker: { context: '/service-go-greeter', filePath: '/service-go-greeter/Dockerfile' },
    });
    expect(minimal?.metadata.annotations?.[DISPLAY_NAME]).to.equal(
      'generic-workflow-docker-build: simple-workflow-run',
    );
    const integration = await getRun(e2e, 'integration-test-run-01');
    expect(integration?.metadata.annotations?.[DISPLAY_NAME]).to.equal(
      'integration-tests: integration-test-run-01',
    );
  });

  it('v0.17: a run naming a ClusterWorkflow is denied as not found (no such CRD)', async () => {
    // Strict field validation would refuse the unknown field first; with a warning it is pruned before admission.
    const result = await e2e.kubectl(['apply', '--validate=warn', '-f', '-'], {
      input: yamlOf(workflowRun('cluster-ref', { kind: 'ClusterWorkflow', name: 'github-stats-report' })),
    });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('spec.workflow.name: Not found: ');
  });

  sharedBehaviour('v0.17', e2e, registered);
});

describe('webhook e2e with the v1.x CRDs', function () {
  const e2e = withCluster('v1.x');
  const registered = registeredWebhook(e2e);

  it('v1.x: accepts ClusterWorkflow runs with defaults filled and denies a missing ClusterWorkflow', async function () {
    this.timeout(30_000);
    const clusterWorkflow = await readFile(join(samplesDir('v1.x'), 'dockerfile-builder.yaml'), 'utf8');
    expect((await e2e.kubectl(['apply', '-f', '-'], { input: clusterWorkflow })).code).to.equal(0);
    const repository = { url: 'https://github.com/myorg/hello-world' };
    const minimal = await e2e.kubectl(['apply', '-f', '-'], {
      input: yamlOf(
        workflowRun('build-minimal', {
          kind: 'ClusterWorkflow',
          name: 'dockerfile-builder',
          parameters: { repository },
        }),
      ),
    });
    expect(minimal.code, minimal.stderr).to.equal(0);
    const stored = await getRun(e2e, 'build-minimal');
    expect(stored?.spec.workflow.parameters).to.deep.equal({
      repository: { ...repository, secretRef: '', revision: { branch: 'main', commit: '' }, appPath: '.' },
      docker: { context: '.', filePath: './Dockerfile' },
      buildArgs: [],
    });
    expect(stored?.metadata.annotations?.[DISPLAY_NAME]).to.equal('dockerfile-builder: build-minimal');
    // The first sample run: the seed's docker-build run 01, of this ClusterWorkflow.
    const [sample] = (await readFile(join(samplesDir('v1.x'), 'runs.yaml'), 'utf8')).split(/^---\n/m);
    const applied = await e2e.kubectl(['apply', '-f', '-'], { input: sample });
    expect(applied.code, applied.stderr).to.equal(0);

    const wrongValue = await e2e.kubectl(['apply', '-f', '-'], {
      input: yamlOf(
        workflowRun('build-bad', {
          kind: 'ClusterWorkflow',
          name: 'dockerfile-builder',
          parameters: { repository, buildArgs: [{ name: 'GO_VERSION' }] },
        }),
      ),
    });
    expect(wrongValue.code).to.equal(1);
    expect(wrongValue.stderr).to.contain('spec.workflow.parameters.buildArgs[0].value: Required value');

    // The v1.x CRD defaults a missing kind to ClusterWorkflow before admission.
    const missing = await e2e.kubectl(['apply', '-f', '-'], {
      input: yamlOf(workflowRun('stats-gone', { name: 'nope' })),
    });
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('spec.workflow.name: Not found: ClusterWorkflow "nope"');
  });

  it('v1.x: a wrong kind is rejected', async () => {
    const result = await e2e.kubectl(['apply', '-f', '-'], {
      input: yamlOf(workflowRun('wrong-kind', { kind: 'Pipeline', name: 'x' })),
    });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('spec.workflow.kind');
    expect(await getRun(e2e, 'wrong-kind')).to.equal(undefined);
  });

  sharedBehaviour('v1.x', e2e, registered);

  it('v1.x: SIGTERM during a stream of reviews loses none of them', async function () {
    this.timeout(60_000);
    const webhook = await startWebhook(e2e.cluster, { name: 'sigterm' });
    const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: e2e.cluster.webhookCa.certPem });
    const review = (uid: string) =>
      JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid,
          operation: 'CREATE',
          namespace: e2e.namespace,
          kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'WorkflowRun' },
          object: workflowRun(uid, { kind: 'ClusterWorkflow', name: 'github-stats-report' }),
        },
      });
    const outcomes: { uid: string; outcome: string }[] = [];
    const send = (uid: string) =>
      new Promise<void>((resolve) => {
        const call = request(
          {
            host: '127.0.0.1',
            port: webhook.port,
            method: 'POST',
            path: '/validate-workflowrun',
            agent,
            headers: { 'Content-Type': 'application/json' },
          },
          (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => {
              const answered = (JSON.parse(body) as { response: { uid: string } }).response.uid === uid;
              outcomes.push({ uid, outcome: answered ? 'answered' : 'wrong uid' });
              resolve();
            });
          },
        );
        call.on('error', (error: NodeJS.ErrnoException) => {
          outcomes.push({ uid, outcome: error.code ?? error.message });
          resolve();
        });
        call.end(review(uid));
      });
    let sent = 0;
    let stopped = false;
    const streams = Array.from({ length: 8 }, async (_, stream) => {
      while (!stopped) await send(`s${stream}-${sent++}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const exit = webhook.stop('SIGTERM');
    const code = await exit;
    stopped = true;
    await Promise.all(streams);
    agent.destroy();
    expect(code).to.equal(0);
    const processed = new Set(
      webhook
        .logs()
        .filter((line) => line.msg === 'review')
        .map((line) => line.uid as string),
    );
    const answered = outcomes.filter((entry) => entry.outcome === 'answered');
    expect(answered.length).to.be.greaterThan(10);
    // Every review the webhook took in was answered; what it never took in failed to connect.
    for (const uid of processed) expect(answered.map((entry) => entry.uid)).to.include(uid);
    for (const entry of outcomes.filter((item) => item.outcome !== 'answered')) {
      expect(processed.has(entry.uid), `${entry.uid}: ${entry.outcome}`).to.equal(false);
      expect(['ECONNREFUSED', 'ECONNRESET']).to.include(entry.outcome);
    }
  });
});

describe('webhook e2e with --unknown-parameters=warn', function () {
  const e2e = withCluster('v1.x');
  registeredWebhook(e2e, ['--unknown-parameters=warn']);

  it("v1.x: stores a run with an undeclared parameter, and kubectl prints the webhook's warning", async function () {
    this.timeout(60_000);
    await e2e.kubectl(['apply', '-f', '-'], { input: await integrationTestsWorkflow(e2e.namespace, 'v1.x') });
    const run = workflowRun(
      'lenient',
      workflowRef('v1.x', 'integration-tests', { repository: { url: 'https://x.example/r', brnach: 'dev' } }),
    );
    const result = await e2e.kubectl(['apply', '-f', '-'], { input: yamlOf(run) });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.contain(
      'Warning: unknown parameter "spec.workflow.parameters.repository.brnach" (did you mean "branch"?)',
    );
    const stored = await getRun(e2e, 'lenient');
    expect(stored?.spec.workflow.parameters).to.deep.include({
      repository: { url: 'https://x.example/r', brnach: 'dev', branch: 'main' },
    });
  });
});
