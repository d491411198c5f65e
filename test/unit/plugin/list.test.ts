// `kubectl workflowrun list`: runs as a kubectl get table, or as objects. The flags block builds the command with a
// runF that captures the options it would run with; the run block runs it against the fake API server, output
// compared with golden files.
import { expect } from 'chai';
import { parse } from 'yaml';

import type { JSONObject } from '../../../core/index.ts';
import { newListCommand, runList, type ListOptions } from '../../../kubectl-plugin/commands/list.ts';
import { runCLI } from '../../../kubectl-plugin/commands/root.ts';
import {
  FakeKube,
  UNREACHABLE,
  expectGolden,
  parseFlags,
  run,
  testFactory,
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
    it('takes --chunk-size and -w', async () => {
      const { options } = await parseFlags<ListOptions>(newListCommand, ['--chunk-size', '10', '-w']);
      expect(options).to.deep.include({ chunkSize: 10, watch: true });
      const bad = await parseFlags<ListOptions>(newListCommand, ['--chunk-size', 'ten']);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.equal('error: --chunk-size must be a whole number, not "ten"\n');
    });
  });

  describe('run', () => {
    /** A cluster with `count` runs in `default`, named run-00000... */
    function manyRuns(count: number): FakeKube {
      const kube = new FakeKube();
      for (let index = 0; index < count; index++) {
        kube.add({
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: {
            name: `run-${String(index).padStart(5, '0')}`,
            namespace: 'default',
            creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toISOString().replace('.000', ''),
          },
          spec: { workflow: { kind: 'ClusterWorkflow', name: 'docker-build' } },
        });
      }
      return kube;
    }

    it('asks the server in pages of 500 by default, following continue, and prints the same table', async () => {
      const kube = manyRuns(1201);
      const { code, stdout } = await run(kube, ['list']);
      expect(code).to.equal(0);
      const lists = kube.requests.filter((request) => request.verb === 'list');
      expect(lists.map((request) => [request.limit, request.continue])).to.deep.equal([
        [500, undefined],
        [500, '500'],
        [500, '1000'],
      ]);
      const rows = stdout.trimEnd().split('\n');
      expect(rows).to.have.length(1202);
      expect(rows[1]).to.match(/^run-01200 /);
    });

    it('--chunk-size sets the page size, and 0 asks for everything at once', async () => {
      const paged = clusterWithFixtures();
      const whole = clusterWithFixtures();
      const inPages = await run(paged, ['list', '-A', '--chunk-size', '3']);
      const atOnce = await run(whole, ['list', '-A', '--chunk-size', '0']);
      expect(inPages.stdout).to.equal(atOnce.stdout);
      expect(paged.requests.filter((request) => request.verb === 'list').length).to.be.greaterThan(2);
      expect(whole.requests.filter((request) => request.verb === 'list')).to.have.length(1);
      expect(whole.requests.find((request) => request.verb === 'list')?.limit).to.equal(undefined);
    });

    it('-o name and -o json write each page before asking for the next (flat memory), JSON still one List', async () => {
      for (const output of ['name', 'json']) {
        const kube = manyRuns(25);
        let written = '';
        const seenBeforePage: number[] = [];
        const list = kube.list.bind(kube);
        kube.list = async (request) => {
          seenBeforePage.push(written.length);
          return list(request);
        };
        const io = testFactory(kube);
        const original = io.factory.io.stdout.write.bind(io.factory.io.stdout);
        io.factory.io.stdout = { write: (text: string) => ((written += text), original(text)) };
        const code = await runCLI(io.factory, ['list', '-o', output, '--chunk-size', '10']);
        expect(code).to.equal(0);
        expect(seenBeforePage).to.have.length(3);
        expect(seenBeforePage[1], output).to.be.greaterThan(0);
        expect(seenBeforePage[2], output).to.be.greaterThan(seenBeforePage[1]!);
        if (output === 'json') {
          const parsed = JSON.parse(io.stdout()) as { kind: string; items: JSONObject[] };
          expect(parsed.kind).to.equal('List');
          expect(parsed.items).to.have.length(25);
        } else {
          expect(io.stdout().trimEnd().split('\n')).to.have.length(25);
        }
      }
    });

    it('-w prints the table, then a row for each run that appears or changes', async () => {
      const kube = manyRuns(1);
      const added = structuredClone([...kube.objects.values()][0]!);
      (added.metadata as { name: string }).name = 'run-new';
      kube.watchEvents = [{ type: 'ADDED', object: added }];
      const { options } = await parseFlags<ListOptions>(newListCommand, ['-w'], kube);
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 50);
      const io = testFactory(kube);
      const code = await runList({ ...options!, io: io.factory.io, stop: stop.signal });
      expect(code).to.equal(0);
      const rows = io.stdout().trimEnd().split('\n');
      expect(rows).to.have.length(3);
      expect(rows[0]).to.match(/^NAME +WORKFLOW +STATUS +AGE$/);
      expect(rows[1]).to.match(/^run-00000 /);
      expect(rows[2]).to.match(/^run-new +ClusterWorkflow\/docker-build /);
      expect(kube.requests.find((request) => request.verb === 'watch')).to.deep.include({
        plural: 'workflowruns',
        namespace: 'default',
      });
    });

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
