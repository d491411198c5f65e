// `describe`, `create` and `params` against the fake API server; output compared with golden files.
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';

import type { JSONObject } from '../../core/index.ts';
import { FakeKube, UNREACHABLE, expectGolden, run } from './plugin-fakes.ts';
import { dockerBuildClusterWorkflow, dockerfileBuilder, seedDockerBuild } from './plugin-objects.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUN_FIXTURES = path.resolve(here, '../fixtures/runs');
const fixtureNames = readdirSync(RUN_FIXTURES)
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => file.slice(0, -5))
  .sort();
const fixture = (name: string) =>
  parse(readFileSync(path.join(RUN_FIXTURES, `${name}.yaml`), 'utf8')) as JSONObject;
const nameOf = (object: JSONObject) => (object.metadata as { name: string }).name;
const namespaceOf = (object: JSONObject) => (object.metadata as { namespace: string }).namespace;

function v1Cluster(): FakeKube {
  return new FakeKube().add(dockerBuildClusterWorkflow()).add(dockerfileBuilder());
}

function v017Cluster(): FakeKube {
  const kube = new FakeKube().add(seedDockerBuild());
  kube.served = new Set(['workflowruns', 'workflows']);
  return kube;
}

describe('plugin describe', () => {
  for (const name of fixtureNames) {
    it(`renders the ${name} run`, async () => {
      const run1 = fixture(name);
      const kube = v1Cluster().add(seedDockerBuild()).add(run1);
      const { code, stdout, stderr } = await run(kube, ['describe', nameOf(run1), '-n', namespaceOf(run1)]);
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expectGolden(`describe/${name}.txt`, stdout);
    });
  }

  it("fetches the run's Workflow to mark defaults, and renders without it when it is gone", async () => {
    const run1 = fixture('succeeded');
    const kube = new FakeKube().add(run1);
    const without = await run(kube, ['describe', nameOf(run1)]);
    expect(without.code).to.equal(0);
    expect(without.stdout).not.to.include('(default)');
    expect(kube.requests.map((r) => `${r.verb} ${r.plural}`)).to.deep.equal([
      'get workflowruns',
      'get clusterworkflows',
    ]);
    const withWorkflow = await run(kube.add(dockerBuildClusterWorkflow()), ['describe', nameOf(run1)]);
    expect(withWorkflow.stdout).to.include('(default)');
  });

  it('exit 1 with one line for a missing run', async () => {
    const { code, stdout, stderr } = await run(new FakeKube(), ['describe', 'nope', '-n', 'team-a']);
    expect(code).to.equal(1);
    expect(stdout).to.equal('');
    expect(stderr).to.equal('error: workflowrun "nope" not found in namespace "team-a"\n');
  });

  it('exit 1 with the server message for a forbidden namespace', async () => {
    const kube = new FakeKube();
    kube.forbiddenNamespaces.add('prod');
    const { code, stderr } = await run(kube, ['describe', 'x', '-n', 'prod']);
    expect(code).to.equal(1);
    expect(stderr).to.match(
      /^error: workflowruns\.openchoreo\.dev is forbidden: User "jane" cannot get .*"prod"\n$/,
    );
  });

  it('exit 1 with one line for an unreachable server', async () => {
    const { code, stderr } = await run(UNREACHABLE, ['describe', 'x']);
    expect(code).to.equal(1);
    expect(stderr.split('\n')).to.have.length(2);
    expect(stderr).to.match(/^error: cannot reach the Kubernetes API server/);
  });

  it('uses the kubeconfig context namespace when -n is absent', async () => {
    const run1 = fixture('succeeded');
    (run1.metadata as { namespace: string }).namespace = 'ctx-ns';
    const { code } = await run(new FakeKube('ctx-ns').add(run1), ['describe', nameOf(run1)]);
    expect(code).to.equal(0);
  });
});

describe('plugin create', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'plugin-create-'));
  });
  const file = (name: string, text: string) => {
    const full = path.join(dir, name);
    writeFileSync(full, text);
    return full;
  };

  it('sends a complete, defaulted run built from --values and --set (flags win, later files win)', async () => {
    const kube = v1Cluster();
    const one = file(
      'one.yaml',
      'repository:\n  url: https://github.com/a/one\n  appPath: /one\ntags: [a, b]\n',
    );
    const two = file('two.yaml', 'repository:\n  appPath: /two\ntimeoutMinutes: 10\n');
    const { code, stdout, stderr } = await run(kube, [
      'create',
      'docker-build',
      'build-1',
      '--values',
      one,
      '--values',
      two,
      '--set',
      'timeoutMinutes=45',
      '-p',
      'repository.revision.branch=dev',
      '--set',
      'buildArgs.GO_VERSION="1.22"',
      '-n',
      'team-a',
    ]);
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
    expect(stdout).to.equal('workflowrun.openchoreo.dev/build-1 created\n');
    const [sent] = kube.writes();
    expect(sent).to.deep.include({ plural: 'workflowruns', namespace: 'team-a', dryRun: undefined });
    expectGolden('create/sent-v1.yaml', JSON.stringify(kube.sent(), null, 2) + '\n');
    const parameters = ((kube.sent().spec as JSONObject).workflow as JSONObject).parameters as JSONObject;
    expect(parameters).to.deep.include({
      timeoutMinutes: 45,
      tags: ['a', 'b'],
      dryRun: false,
      output: 'table',
    });
    expect(parameters.repository).to.deep.equal({
      url: 'https://github.com/a/one',
      appPath: '/two',
      revision: { branch: 'dev' },
    });
  });

  it('lists every problem at once and sends nothing', async () => {
    const kube = v1Cluster();
    const { code, stdout, stderr } = await run(kube, [
      'create',
      'docker-build',
      '--set',
      'timeoutMinutes=three',
      '--set',
      'output=xml',
      '--set',
      'tags=[1,2,3,4,5,6]',
      '--set',
      'colour=blue',
    ]);
    expect(code).to.equal(1);
    expect(stdout).to.equal('');
    expectGolden('create/invalid.txt', stderr);
    expect(kube.writes()).to.deep.equal([]);
  });

  it('generates the name from the Workflow when NAME is absent', async () => {
    const kube = v1Cluster();
    const { stdout } = await run(kube, [
      'create',
      'dockerfile-builder',
      '-p',
      'repository.url=https://x/y',
      '-o',
      'name',
    ]);
    expect(stdout).to.equal('workflowrun.openchoreo.dev/dockerfile-builder-xxxx1\n');
    const metadata = kube.sent().metadata as JSONObject;
    expect(metadata).to.deep.include({ generateName: 'dockerfile-builder-', namespace: 'default' });
    expect(metadata).not.to.have.property('name');
  });

  it('on v0.17 CRDs refers to a namespaced Workflow and sends no kind', async () => {
    const kube = v017Cluster();
    const { code, stdout } = await run(kube, [
      'create',
      'generic-workflow-docker-build',
      'minimal',
      '-o',
      'yaml',
    ]);
    expect(code).to.equal(0);
    expectGolden('create/minimal-v017.yaml', stdout);
    const workflow = (kube.sent().spec as JSONObject).workflow as JSONObject;
    expect(workflow).not.to.have.property('kind');
    expect(kube.requests.find((r) => r.verb === 'get')).to.deep.include({
      plural: 'workflows',
      namespace: 'default',
      name: 'generic-workflow-docker-build',
    });
  });

  it('refuses --kind ClusterWorkflow on v0.17 CRDs', async () => {
    const { code, stderr } = await run(v017Cluster(), ['create', 'x', '--kind', 'ClusterWorkflow']);
    expect(code).to.equal(1);
    expect(stderr).to.equal(
      "error: this cluster's OpenChoreo CRDs (v0.17) have no ClusterWorkflow; use --kind Workflow\n",
    );
  });

  it('starts from -f and keeps its labels; the command line wins over the file', async () => {
    const kube = v1Cluster();
    const manifest = file(
      'run.yaml',
      [
        'apiVersion: openchoreo.dev/v1alpha1',
        'kind: WorkflowRun',
        'metadata:',
        '  name: from-file',
        '  labels: {team: a}',
        '  resourceVersion: "7"',
        'spec:',
        '  workflow:',
        '    kind: ClusterWorkflow',
        '    name: docker-build',
        '    parameters:',
        '      repository: {url: "https://file/url"}',
        '      timeoutMinutes: 5',
        '',
      ].join('\n'),
    );
    const { code } = await run(kube, [
      'create',
      '-f',
      manifest,
      '--set',
      'timeoutMinutes=6',
      '--display-name',
      'Mine',
    ]);
    expect(code).to.equal(0);
    const body = kube.sent();
    expect(body.metadata).to.deep.equal({
      name: 'from-file',
      labels: { team: 'a' },
      namespace: 'default',
      annotations: { 'openchoreo.dev/display-name': 'Mine' },
    });
    const parameters = ((body.spec as JSONObject).workflow as JSONObject).parameters as JSONObject;
    expect(parameters).to.deep.include({
      timeoutMinutes: 6,
      repository: { url: 'https://file/url', revision: { branch: 'main' }, appPath: '.' },
    });
  });

  it('reads -f from stdin', async () => {
    const kube = v1Cluster();
    const stdin =
      'kind: WorkflowRun\nmetadata: {name: piped}\nspec: {workflow: {name: dockerfile-builder, parameters: {repository: {url: "https://x"}}}}\n';
    const { code, stdout } = await run(kube, ['create', '-f', '-'], { stdin });
    expect(code).to.equal(0);
    expect(stdout).to.equal('workflowrun.openchoreo.dev/piped created\n');
  });

  it('--dry-run=client sends nothing; --dry-run=server sends a dry-run request', async () => {
    const client = v1Cluster();
    const a = await run(client, [
      'create',
      'dockerfile-builder',
      'r1',
      '-p',
      'repository.url=https://x',
      '--dry-run',
      'client',
    ]);
    expect(a.stdout).to.equal('workflowrun.openchoreo.dev/r1 created (dry run)\n');
    expect(client.writes()).to.deep.equal([]);
    const server = v1Cluster();
    const b = await run(server, [
      'create',
      'dockerfile-builder',
      'r1',
      '-p',
      'repository.url=https://x',
      '--dry-run=server',
    ]);
    expect(b.stdout).to.equal('workflowrun.openchoreo.dev/r1 created (server dry run)\n');
    expect(server.writes()[0]?.dryRun).to.equal(true);
  });

  it("shows a webhook denial with the server's own message", async () => {
    const kube = v1Cluster();
    kube.denyCreate =
      'admission webhook "validate.workflowrun.openchoreo.dev" denied the request: spec.workflow.parameters.x: Unknown field';
    const { code, stderr } = await run(kube, [
      'create',
      'dockerfile-builder',
      '-p',
      'repository.url=https://x',
    ]);
    expect(code).to.equal(1);
    expect(stderr).to.equal(`error: ${kube.denyCreate}\n`);
  });

  it('exit 1 with one line for a missing Workflow, before sending anything', async () => {
    const kube = v1Cluster();
    const cluster = await run(kube, ['create', 'nope']);
    expect(cluster.stderr).to.equal('error: clusterworkflow "nope" not found\n');
    const namespaced = await run(kube, ['create', 'nope', '--kind', 'Workflow', '-n', 'team-a']);
    expect(namespaced.code).to.equal(1);
    expect(namespaced.stderr).to.equal('error: workflow "nope" not found in namespace "team-a"\n');
    expect(kube.writes()).to.deep.equal([]);
  });

  it('exit 2 for unusable input files, naming the file', async () => {
    const kube = v1Cluster();
    const missing = await run(kube, ['create', 'docker-build', '--values', path.join(dir, 'absent.yaml')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.equal(`error: ${path.join(dir, 'absent.yaml')}: no such file\n`);
    const list = file('list.yaml', '- a\n- b\n');
    const notMap = await run(kube, ['create', 'docker-build', '--values', list]);
    expect(notMap.code).to.equal(2);
    expect(notMap.stderr).to.equal(`error: ${list}: expected a map of parameters, found a list\n`);
    const bad = file('bad.yaml', 'a: [unclosed\n');
    const badYaml = await run(kube, ['create', 'docker-build', '--values', bad]);
    expect(badYaml.code).to.equal(2);
    expect(badYaml.stderr).to.match(new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    expect(badYaml.stderr.split('\n')).to.have.length(2);
    expect(kube.writes()).to.deep.equal([]);
  });

  it('--wait follows the new run and exits as wait does', async () => {
    const kube = v1Cluster();
    const done = fixture('failed');
    (done.metadata as { name: string }).name = 'waited';
    kube.watchEvents = [{ type: 'MODIFIED', object: done }];
    const { code, stdout } = await run(kube, [
      'create',
      'dockerfile-builder',
      'waited',
      '-p',
      'repository.url=https://x',
      '--wait',
    ]);
    expect(code).to.equal(1);
    expect(stdout).to.equal(
      'workflowrun.openchoreo.dev/waited created\nworkflowrun.openchoreo.dev/waited Failed: Workflow execution failed\n',
    );
  });

  it('leaves Object.prototype untouched whatever the keys', async () => {
    const kube = v1Cluster();
    await run(kube, [
      'create',
      'docker-build',
      '--set',
      '__proto__.polluted=1',
      '--set',
      'constructor.prototype.bad=1',
    ]);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(({} as Record<string, unknown>).bad).to.equal(undefined);
  });
});

describe('plugin params', () => {
  it('prints the parameter tree of a ClusterWorkflow', async () => {
    const { code, stdout } = await run(v1Cluster(), ['params', 'docker-build']);
    expect(code).to.equal(0);
    expectGolden('params/docker-build.txt', stdout);
  });

  it('prints the shorthand Workflow of the seed on v0.17 CRDs', async () => {
    const { code, stdout } = await run(v017Cluster(), ['params', 'generic-workflow-docker-build']);
    expect(code).to.equal(0);
    expectGolden('params/generic-workflow-docker-build.txt', stdout);
  });

  it('-o json prints the compiled JSON Schema', async () => {
    const { stdout } = await run(v1Cluster(), ['params', 'dockerfile-builder', '-o', 'json']);
    const schema = JSON.parse(stdout) as JSONObject;
    expect(schema.type).to.equal('object');
    expect(schema.required).to.deep.equal(['repository']);
    expectGolden('params/dockerfile-builder.json', stdout);
  });

  it('exit 1 for a missing Workflow', async () => {
    const { code, stderr } = await run(v1Cluster(), ['params', 'ghost']);
    expect(code).to.equal(1);
    expect(stderr).to.equal('error: clusterworkflow "ghost" not found\n');
  });
});
