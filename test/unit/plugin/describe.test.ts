// `kubectl workflowrun describe`: one run in the kubectl describe style. The flags block builds the command with a
// runF that captures the options it would run with; the run block runs it against the fake API server, output
// compared with golden files.
import { expect } from 'chai';

import { newDescribeCommand, type DescribeOptions } from '../../../kubectl-plugin/commands/describe.ts';
import {
  FakeKube,
  UNREACHABLE,
  expectGolden,
  frames,
  parseFlags,
  run,
  withoutDependencies,
} from '../../support/plugin-fakes.ts';
import {
  dockerBuildClusterWorkflow,
  nameOf,
  namespaceOf,
  runFixture,
  runFixtureNames,
  seedDockerBuild,
  v1Cluster,
} from '../../support/plugin-objects.ts';

describe('plugin describe', () => {
  describe('flags', () => {
    it('takes NAME and the connection flags', async () => {
      const { options } = await parseFlags<DescribeOptions>(newDescribeCommand, ['run-1', '-n', 'ns1']);
      expect(withoutDependencies(options)).to.deep.equal({ name: 'run-1', connection: { namespace: 'ns1' } });
    });
    it('exit 2 without NAME', async () => {
      const { code, stderr } = await parseFlags<DescribeOptions>(newDescribeCommand, []);
      expect(code).to.equal(2);
      expect(stderr).to.equal("error: missing required argument 'name'\n");
    });
    it('-w / --watch follows the run', async () => {
      const { options } = await parseFlags<DescribeOptions>(newDescribeCommand, ['shown', '-w']);
      expect(options).to.deep.include({ name: 'shown', watch: true });
    });
  });

  describe('run', () => {
    /** A run that is first reconciled, then runs (reported twice), then succeeds, as watch events. */
    function watchedCluster() {
      const pending = runFixture('first-reconcile');
      const name = nameOf(pending);
      const renamed = (fixtureName: string) => {
        const object = runFixture(fixtureName);
        (object.metadata as { name: string; namespace: string }).name = name;
        (object.metadata as { name: string; namespace: string }).namespace = namespaceOf(pending);
        return object;
      };
      const kube = new FakeKube().add(pending);
      kube.watchEvents = [
        { type: 'MODIFIED', object: renamed('running') },
        { type: 'MODIFIED', object: renamed('running') },
        { type: 'MODIFIED', object: renamed('succeeded') },
      ];
      return { kube, name, namespace: namespaceOf(pending), final: renamed('succeeded') };
    }

    it('--watch without a terminal prints one line per change and exits 0 when the run completes', async () => {
      const { kube, name, namespace } = watchedCluster();
      const { code, stdout, stderr } = await run(kube, ['describe', name, '-n', namespace, '--watch']);
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expect(stdout.trimEnd().split('\n')).to.have.length(3);
      expectGolden('describe/watch-lines.txt', stdout);
      expect(kube.requests.find((request) => request.verb === 'watch')).to.deep.include({
        plural: 'workflowruns',
        fieldSelector: `metadata.name=${name}`,
      });
    });

    it('--watch on a terminal redraws the run in place, ending with what describe shows', async () => {
      const { kube, name, namespace, final } = watchedCluster();
      const { code, stdout } = await run(kube, ['describe', name, '-n', namespace, '-w'], { tty: true });
      expect(code).to.equal(0);
      const shown = frames(stdout);
      expect(shown).to.have.length(4);
      const plain = await run(new FakeKube().add(final), ['describe', name, '-n', namespace], { tty: true });
      expect(shown.at(-1)).to.equal(plain.stdout);
    });

    for (const name of runFixtureNames()) {
      it(`renders the ${name} run`, async () => {
        const run1 = runFixture(name);
        const kube = v1Cluster().add(seedDockerBuild()).add(run1);
        const { code, stdout, stderr } = await run(kube, ['describe', nameOf(run1), '-n', namespaceOf(run1)]);
        expect(stderr).to.equal('');
        expect(code).to.equal(0);
        expectGolden(`describe/${name}.txt`, stdout);
      });
    }

    it("fetches the run's Workflow to mark defaults, and renders without it when it is gone", async () => {
      const run1 = runFixture('succeeded');
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

    it('marks the defaults a run the plugin started recorded, without reading its Workflow', async () => {
      const kube = v1Cluster();
      await run(kube, ['create', 'docker-build', 'started', '--set', 'repository.url=https://x.io/r']);
      kube.requests.length = 0;
      const shown = await run(kube, ['describe', 'started']);
      expect(shown.code).to.equal(0);
      expect(kube.requests.map((r) => `${r.verb} ${r.plural}`)).to.deep.equal(['get workflowruns']);
      expect(shown.stdout).to.match(/^ {2}repository\.url +=  ?https:\/\/x\.io\/r$/m);
      expect(shown.stdout).to.match(/^ {2}repository\.revision\.branch += main {2}\(default\)$/m);
      expect(shown.stdout).to.match(/^ {2}timeoutMinutes += 30 {2}\(default\)$/m);
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
      const run1 = runFixture('succeeded');
      (run1.metadata as { namespace: string }).namespace = 'ctx-ns';
      const { code } = await run(new FakeKube('ctx-ns').add(run1), ['describe', nameOf(run1)]);
      expect(code).to.equal(0);
    });
  });
});
