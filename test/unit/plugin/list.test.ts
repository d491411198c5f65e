// `kubectl workflowrun list`: runs as a kubectl get table, or as objects. The flags block builds the command with a runF that captures the options it
// would run with; the run block runs it against the fake API server, output compared with golden files.
import { expect } from 'chai';
import { parse } from 'yaml';

import type { JSONObject } from '../../../core/index.ts';
import { newListCommand, type ListOptions } from '../../../kubectl-plugin/commands/list.ts';
import {
  FakeKube,
  UNREACHABLE,
  expectGolden,
  parseFlags,
  run,
  withoutDependencies,
} from '../../support/plugin-fakes.ts';
import { clusterWithFixtures } from '../../support/plugin-objects.ts';

describe('plugin list', () => {
  describe('flags', () => {
    it('takes -A, -l, --workflow KIND/NAME and -o', async () => {
      const { options } = await parseFlags<ListOptions>(newListCommand, [
        '-A',
        '-l',
        'app=web',
        '--workflow',
        'clusterworkflow/docker-build',
        '-o',
        'wide',
      ]);
      expect(withoutDependencies(options)).to.deep.equal({
        connection: { allNamespaces: true },
        labelSelector: 'app=web',
        workflow: { kind: 'ClusterWorkflow', name: 'docker-build' },
        output: 'wide',
      });
    });
    it('refuses -n together with -A', async () => {
      const { code, stderr } = await parseFlags<ListOptions>(newListCommand, ['-A', '-n', 'x']);
      expect(code).to.equal(2);
      expect(stderr).to.equal('error: --namespace and --all-namespaces cannot be used together\n');
    });
    it('refuses an unknown output format', async () => {
      expect((await parseFlags<ListOptions>(newListCommand, ['-o', 'xml'])).code).to.equal(2);
    });
  });

  describe('run', () => {
    it('prints every state as a table, newest first', async () => {
      const { code, stdout, stderr } = await run(clusterWithFixtures(), ['list']);
      expect(code).to.equal(0);
      expect(stderr).to.equal('');
      expectGolden('list/default.txt', stdout);
    });

    it('-o wide adds STARTED, DURATION and RUN REFERENCE', async () => {
      const { stdout } = await run(clusterWithFixtures(), ['list', '-o', 'wide']);
      expectGolden('list/wide.txt', stdout);
    });

    it('-A lists across namespaces with a NAMESPACE column and no namespace in the request', async () => {
      const kube = clusterWithFixtures();
      kube.add({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'WorkflowRun',
        metadata: { name: 'other-team-run', namespace: 'team-b', creationTimestamp: '2024-01-15T10:34:00Z' },
        spec: { workflow: { kind: 'Workflow', name: 'lint' } },
      });
      const { stdout } = await run(kube, ['list', '-A']);
      expectGolden('list/all-namespaces.txt', stdout);
      expect(kube.requests.find((r) => r.verb === 'list')).to.deep.include({ namespace: undefined });
    });

    it('--workflow filters by name, or by KIND/NAME', async () => {
      const byName = await run(clusterWithFixtures(), ['list', '-o', 'name', '--workflow', 'docker-build']);
      const names = byName.stdout.trim().split('\n');
      expect(names.length).to.be.greaterThan(1);
      expect(names.every((line) => line.startsWith('workflowrun.openchoreo.dev/'))).to.equal(true);
      const byKind = await run(clusterWithFixtures(), [
        'list',
        '-o',
        'name',
        '--workflow',
        'Workflow/docker-build',
      ]);
      expect(byKind.stdout.trim().split('\n').length).to.be.lessThan(names.length);
    });

    it('passes -l to the server as a label selector', async () => {
      const kube = clusterWithFixtures();
      await run(kube, ['list', '-l', 'team=none']);
      expect(kube.requests.find((r) => r.verb === 'list')?.labelSelector).to.equal('team=none');
    });

    it('-o json prints a kubectl List, newest first', async () => {
      const { stdout } = await run(clusterWithFixtures(), ['list', '-o', 'json']);
      const list = JSON.parse(stdout) as { kind: string; items: JSONObject[] };
      expect(list.kind).to.equal('List');
      const times = list.items.map(
        (item) => (item.metadata as { creationTimestamp?: string }).creationTimestamp ?? '',
      );
      expect(times.filter(Boolean)).to.deep.equal([...times.filter(Boolean)].sort().reverse());
    });

    it('-o yaml prints the same List as YAML', async () => {
      const { stdout } = await run(clusterWithFixtures(), ['list', '-o', 'yaml']);
      expect(parse(stdout)).to.deep.equal(
        JSON.parse((await run(clusterWithFixtures(), ['list', '-o', 'json'])).stdout),
      );
    });

    it('says "No resources found" on stderr for an empty namespace', async () => {
      const { code, stdout, stderr } = await run(new FakeKube(), ['list', '-n', 'empty']);
      expect(code).to.equal(0);
      expect(stdout).to.equal('');
      expect(stderr).to.equal('No resources found in empty namespace.\n');
    });

    it('reports a forbidden namespace with the server message, on one line', async () => {
      const kube = new FakeKube();
      kube.forbiddenNamespaces.add('secret-team');
      const { code, stderr } = await run(kube, ['list', '-n', 'secret-team']);
      expect(code).to.equal(1);
      expect(stderr).to.equal(
        'error: workflowruns.openchoreo.dev is forbidden: User "jane" cannot list resource "workflowruns" in API group "openchoreo.dev" in the namespace "secret-team"\n',
      );
    });

    it('reports an unreachable server on one line', async () => {
      const { code, stderr } = await run(UNREACHABLE, ['list']);
      expect(code).to.equal(1);
      expect(stderr).to.equal(
        'error: cannot reach the Kubernetes API server at https://127.0.0.1:1: connection refused\n',
      );
    });
  });
});
