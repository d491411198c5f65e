// `kubectl workflowrun create`: starting a run, its parameters checked before anything is sent. The flags block
// builds the command with a runF that captures the options it would run with; the run block runs it against the fake
// API server, output compared with golden files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';

import type { JSONObject } from '../../../core/index.ts';
import { newCreateCommand, type CreateOptions } from '../../../kubectl-plugin/commands/create.ts';
import { expectGolden, parseFlags, run, withoutDependencies } from '../../support/plugin-fakes.ts';
import { runFixture, v017Cluster, v1Cluster } from '../../support/plugin-objects.ts';

describe('plugin create', () => {
  describe('flags', () => {
    it('takes WORKFLOW, NAME and every flag', async () => {
      const { options, code } = await parseFlags<CreateOptions>(newCreateCommand, [
        'docker-build',
        'build-1',
        '--kind',
        'Workflow',
        '-p',
        'a.b=1',
        '--set',
        'tags[0]=x',
        '--values',
        'one.yaml',
        '--values',
        'two.yaml',
        '-f',
        'run.yaml',
        '--display-name',
        'Nightly',
        '--dry-run',
        'server',
        '-o',
        'json',
        '--unknown-parameters',
        'warn',
        '-n',
        'team-a',
        '--context',
        'kind-dev',
        '--kubeconfig',
        '/tmp/kc',
      ]);
      expect(code).to.equal(0);
      expect(withoutDependencies(options)).to.deep.equal({
        workflow: 'docker-build',
        name: 'build-1',
        kind: 'Workflow',
        set: ['a.b=1', 'tags[0]=x'],
        valuesFiles: ['one.yaml', 'two.yaml'],
        file: 'run.yaml',
        displayName: 'Nightly',
        dryRun: 'server',
        output: 'json',
        unknownParameters: 'warn',
        wait: false,
        timeoutMs: 0,
        pollIntervalMs: 2000,
        connection: { namespace: 'team-a', context: 'kind-dev', kubeconfig: '/tmp/kc' },
      });
    });

    it('defaults: no name means a generated one, dry run none', async () => {
      const { options } = await parseFlags<CreateOptions>(newCreateCommand, ['docker-build']);
      expect(withoutDependencies(options)).to.deep.include({
        workflow: 'docker-build',
        dryRun: 'none',
        set: [],
        valuesFiles: [],
      });
      expect(options).not.to.have.property('name');
    });

    it('--generate-name with and without a prefix; --wait with --timeout', async () => {
      expect(
        (await parseFlags<CreateOptions>(newCreateCommand, ['wf', '--generate-name'])).options?.generateName,
      ).to.equal(true);
      expect(
        (await parseFlags<CreateOptions>(newCreateCommand, ['wf', '--generate-name', 'nightly-'])).options
          ?.generateName,
      ).to.equal('nightly-');
      const { options } = await parseFlags<CreateOptions>(newCreateCommand, [
        'wf',
        '--wait',
        '--timeout',
        '1m30s',
      ]);
      expect(options).to.deep.include({ wait: true, timeoutMs: 90_000 });
    });

    it('takes the Workflow from -f when WORKFLOW is absent', async () => {
      const { options, code } = await parseFlags<CreateOptions>(newCreateCommand, ['-f', 'run.yaml']);
      expect(code).to.equal(0);
      expect(options).to.deep.include({ file: 'run.yaml' });
      expect(options).not.to.have.property('workflow');
    });

    const usageErrors: [string[], RegExp][] = [
      [[], /give the WORKFLOW to run/],
      [['wf', 'name', '--generate-name'], /NAME or --generate-name, not both/],
      [['wf', '--dry-run', 'maybe'], /argument 'maybe' is invalid/],
      [['wf', '--kind', 'Pipeline'], /argument 'Pipeline' is invalid/],
      [['wf', '-o', 'table'], /argument 'table' is invalid/],
      [['wf', '--wait', '--dry-run', 'client'], /--wait cannot be used with --dry-run/],
      [['wf', '--timeout', '5m'], /--timeout only applies with --wait/],
      [['wf', '--wait', '--timeout', 'soon'], /--timeout must be a duration/],
      [['wf', '--bogus'], /unknown option '--bogus'/],
      [['wf', 'a', 'b'], /too many arguments/],
    ];
    for (const [argv, message] of usageErrors) {
      it(`exit 2 for ${argv.join(' ') || '(nothing)'}`, async () => {
        const { options, code, stderr } = await parseFlags<CreateOptions>(newCreateCommand, argv);
        expect(code).to.equal(2);
        expect(options).to.equal(undefined);
        expect(stderr).to.match(/^error: /);
        expect(stderr).to.match(message);
        expect(stderr.trimEnd().split('\n')).to.have.length(1);
      });
    }
  });

  describe('run', () => {
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
        annotations: {
          'openchoreo.dev/display-name': 'Mine',
          // What defaulting added, for rerun (see kubectl-plugin/parameter-defaults.ts).
          'kubectl-workflowrun/defaulted-parameters': JSON.stringify([
            ['repository', 'appPath'],
            ['repository', 'revision'],
            ['buildArgs'],
            ['docker'],
            ['dryRun'],
            ['output'],
            ['tags'],
          ]),
        },
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
      const done = runFixture('failed');
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
      expectGolden('create/wait-lines.txt', stdout);
    });

    it('--wait -o name: stdout holds only the name, as argo submit --wait -o does; the exit code tells', async () => {
      const kube = v1Cluster();
      const done = runFixture('failed');
      (done.metadata as { name: string }).name = 'waited';
      kube.watchEvents = [{ type: 'MODIFIED', object: done }];
      const { code, stdout, stderr } = await run(kube, [
        'create',
        'dockerfile-builder',
        'waited',
        '-p',
        'repository.url=https://x',
        '--wait',
        '-o',
        'name',
      ]);
      expect(code).to.equal(1);
      expect(stdout).to.equal('workflowrun.openchoreo.dev/waited\n');
      expect(stderr).to.equal('');
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
});
