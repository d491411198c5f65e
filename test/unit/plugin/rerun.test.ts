// `kubectl workflowrun rerun`: a new run with a previous run's parameters. The flags block builds the command with a
// runF that captures the options it would run with; the run block runs it against the fake API server.
import { expect } from 'chai';

import type { JSONObject } from '../../../core/index.ts';
import { newRerunCommand, type RerunOptions } from '../../../kubectl-plugin/commands/rerun.ts';
import { expectGolden, parseFlags, run, withoutDependencies } from '../../support/plugin-fakes.ts';
import { dockerBuildClusterWorkflow, runFixture, v1Cluster } from '../../support/plugin-objects.ts';

const parametersOf = (object: JSONObject) => ((object.spec as JSONObject).workflow as JSONObject).parameters;
const annotationsOf = (object: JSONObject) => (object.metadata as { annotations?: JSONObject }).annotations;

/** The docker-build ClusterWorkflow with its `tags` default changed since the first run. */
function withNewTagsDefault(): JSONObject {
  const workflow = dockerBuildClusterWorkflow();
  const schema = (workflow.spec as { parameters: { openAPIV3Schema: { properties: JSONObject } } }).parameters
    .openAPIV3Schema;
  (schema.properties.tags as JSONObject).default = ['stable'];
  return workflow;
}

describe('plugin rerun', () => {
  describe('flags', () => {
    it('takes RUN, NAME, --keep-defaults and the flags create takes', async () => {
      const { options, code } = await parseFlags<RerunOptions>(newRerunCommand, [
        'first',
        'second',
        '--keep-defaults',
        '--set',
        'a=1',
        '--values',
        'v.yaml',
        '--display-name',
        'Again',
        '--dry-run=server',
        '-o',
        'yaml',
        '-n',
        'team-a',
      ]);
      expect(code).to.equal(0);
      expect(withoutDependencies(options)).to.deep.equal({
        connection: { namespace: 'team-a' },
        run: 'first',
        name: 'second',
        last: false,
        keepDefaults: true,
        set: ['a=1'],
        valuesFiles: ['v.yaml'],
        displayName: 'Again',
        dryRun: 'server',
        output: 'yaml',
        wait: false,
        timeoutMs: 0,
        pollIntervalMs: 2000,
      });
    });

    it('--last takes --workflow KIND/NAME, and its only argument is NAME', async () => {
      const { options } = await parseFlags<RerunOptions>(newRerunCommand, [
        '--last',
        '--workflow',
        'clusterworkflow/docker-build',
        'again',
      ]);
      expect(options).to.deep.include({
        last: true,
        name: 'again',
        workflow: { kind: 'ClusterWorkflow', name: 'docker-build' },
      });
      expect(options).not.to.have.property('run');
    });

    for (const [argv, message] of [
      [[], 'give the RUN to start again, or --last'],
      [['--last', 'a', 'b'], 'with --last, give at most NAME'],
      [['first', '--workflow', 'x'], '--workflow only applies with --last'],
      [['first', '--wait', '--dry-run=client'], '--wait cannot be used with --dry-run'],
    ] as const) {
      it(`exit 2: ${message}`, async () => {
        const { code, stderr } = await parseFlags<RerunOptions>(newRerunCommand, [...argv]);
        expect(code).to.equal(2);
        expect(stderr).to.equal(`error: ${message}\n`);
      });
    }
  });

  describe('run', () => {
    async function clusterWithFirstRun() {
      const kube = v1Cluster();
      const created = await run(kube, [
        'create',
        'docker-build',
        'first',
        '--set',
        'repository.url=https://github.com/a/one',
        '--set',
        'timeoutMinutes=45',
        '--display-name',
        'Nightly',
      ]);
      expect(created.code, created.stderr).to.equal(0);
      kube.add(withNewTagsDefault());
      kube.requests.length = 0;
      return kube;
    }

    it("copies what the user gave, re-derives the defaults from today's Workflow, and --set overrides", async () => {
      const kube = await clusterWithFirstRun();
      const { code, stdout, stderr } = await run(kube, [
        'rerun',
        'first',
        'second',
        '--set',
        'repository.appPath=/two',
      ]);
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expect(stdout).to.equal('workflowrun.openchoreo.dev/second created\n');
      expectGolden('rerun/sent.yaml', JSON.stringify(kube.sent(), null, 2) + '\n');
      const parameters = parametersOf(kube.sent()) as JSONObject;
      expect(parameters).to.deep.include({ timeoutMinutes: 45, tags: ['stable'] });
      expect(parameters.repository).to.deep.include({ url: 'https://github.com/a/one', appPath: '/two' });
      // A display name the user chose is carried over.
      expect(annotationsOf(kube.sent())).to.deep.include({ 'openchoreo.dev/display-name': 'Nightly' });
    });

    it('--wait without a terminal prints a line per change of the new run, then its status line', async () => {
      const kube = await clusterWithFirstRun();
      const done = runFixture('succeeded');
      (done.metadata as { name: string }).name = 'second';
      kube.watchEvents = [{ type: 'MODIFIED', object: done }];
      const { code, stdout, stderr } = await run(kube, ['rerun', 'first', 'second', '--wait']);
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expectGolden('rerun/wait-lines.txt', stdout);
    });

    it('--keep-defaults copies the defaulted parameters as they were', async () => {
      const kube = await clusterWithFirstRun();
      const { code } = await run(kube, ['rerun', 'first', '--keep-defaults']);
      expect(code).to.equal(0);
      expect(parametersOf(kube.sent())).to.deep.include({ tags: ['latest'] });
      expect((kube.sent().metadata as JSONObject).generateName).to.equal('docker-build-');
    });

    it("gives the new run its own derived display name, not the previous run's", async () => {
      const kube = v1Cluster();
      await run(kube, ['create', 'docker-build', 'first', '--set', 'repository.url=https://x.io/r']);
      await run(kube, ['rerun', 'first', 'second']);
      expect(annotationsOf(kube.sent(1))).to.deep.include({
        'openchoreo.dev/display-name': 'Docker build: second',
      });
    });

    it('--last picks the newest run of the Workflow', async () => {
      const kube = v1Cluster();
      for (const [name, created, url] of [
        ['old', '2024-01-15T09:00:00Z', 'https://x.io/old'],
        ['newest', '2024-01-15T10:00:00Z', 'https://x.io/newest'],
        ['middle', '2024-01-15T09:30:00Z', 'https://x.io/middle'],
      ] as const) {
        kube.add({
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name, namespace: 'default', creationTimestamp: created },
          spec: {
            workflow: { kind: 'ClusterWorkflow', name: 'docker-build', parameters: { repository: { url } } },
          },
        });
      }
      const { code, stderr } = await run(kube, ['rerun', '--last', '--workflow', 'docker-build']);
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expect(parametersOf(kube.sent())).to.have.nested.property('repository.url', 'https://x.io/newest');
    });

    it('checks the new parameters before sending, as create does', async () => {
      const kube = await clusterWithFirstRun();
      const { code, stderr } = await run(kube, ['rerun', 'first', '--set', 'timeoutMinutes=500']);
      expect(code).to.equal(1);
      expect(stderr).to.match(
        /^error: the parameters do not match clusterworkflow "docker-build"; nothing was sent:\n/,
      );
      expect(kube.writes()).to.have.length(0);
    });

    it('exit 1 with one line for a missing run, and for --last with no run', async () => {
      const missing = await run(v1Cluster(), ['rerun', 'nope']);
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.equal('error: workflowrun "nope" not found in namespace "default"\n');
      const none = await run(v1Cluster(), ['rerun', '--last', '--workflow', 'docker-build']);
      expect(none.code).to.equal(1);
      expect(none.stderr).to.equal(
        'error: no workflowrun of Workflow "docker-build" in namespace "default" to start again\n',
      );
    });
  });
});
