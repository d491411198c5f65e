// `list` and `wait` against the fake API server, output compared with golden files (fixed clock, no colour).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';

import type { JSONObject } from '../../core/index.ts';
import { FakeKube, UNREACHABLE, expectGolden, run } from './plugin-fakes.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUN_FIXTURES = path.resolve(here, '../fixtures/runs');

/** Every controller state from conditions.md, as the run-rendering fixtures hold them. */
function fixtureRuns(): Map<string, JSONObject> {
  const runs = new Map<string, JSONObject>();
  for (const file of readdirSync(RUN_FIXTURES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    runs.set(file.slice(0, -5), parse(readFileSync(path.join(RUN_FIXTURES, file), 'utf8')) as JSONObject);
  }
  return runs;
}

function clusterWithFixtures(): FakeKube {
  const kube = new FakeKube();
  for (const object of fixtureRuns().values()) kube.add(object);
  return kube;
}

describe('plugin list', () => {
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

describe('plugin wait', () => {
  const runs = fixtureRuns();
  const stored = (name: string) => {
    const object = structuredClone(runs.get(name)!);
    return { object, name: (object.metadata as { name: string }).name };
  };

  it('exit 0 with the final status line for a succeeded run', async () => {
    const { object, name } = stored('succeeded');
    const { code, stdout } = await run(new FakeKube().add(object), ['wait', name]);
    expect(code).to.equal(0);
    expect(stdout).to.equal(`workflowrun.openchoreo.dev/${name} Succeeded\n`);
  });

  it('exit 1 for a failed run, with the failure message', async () => {
    const { object, name } = stored('failed');
    const { code, stdout } = await run(new FakeKube().add(object), ['wait', name]);
    expect(code).to.equal(1);
    expectGolden('wait/failed.txt', stdout);
  });

  it('--for=completed: exit 0 for a failed run', async () => {
    const { object, name } = stored('failed');
    const { code } = await run(new FakeKube().add(object), ['wait', name, '--for=completed']);
    expect(code).to.equal(0);
  });

  it('follows watch events until the run completes', async () => {
    const pending = stored('first-reconcile');
    const done = stored('succeeded').object;
    (done.metadata as { name: string }).name = pending.name;
    const kube = new FakeKube().add(pending.object);
    kube.watchEvents = [
      { type: 'MODIFIED', object: stored('running').object },
      { type: 'MODIFIED', object: done },
    ];
    const { code, stdout } = await run(kube, ['wait', pending.name]);
    expect(code).to.equal(0);
    expect(stdout).to.equal(`workflowrun.openchoreo.dev/${pending.name} Succeeded\n`);
    expect(kube.requests.find((r) => r.verb === 'watch')?.fieldSelector).to.equal(
      `metadata.name=${pending.name}`,
    );
  });

  it('exit 1 on timeout, naming the last status', async () => {
    const { object, name } = stored('running');
    const { code, stdout, stderr } = await run(new FakeKube().add(object), [
      'wait',
      name,
      '--timeout',
      '50ms',
    ]);
    expect(code).to.equal(1);
    expect(stdout).to.equal('');
    expect(stderr).to.equal(
      `error: timed out after 50ms waiting for workflowrun "${name}" (status: Running)\n`,
    );
  });

  it('polls when the server refuses to watch', async () => {
    const { object, name } = stored('running');
    const kube = new FakeKube().add(object);
    kube.watchRefused = true;
    const { code } = await run(kube, ['wait', name, '--timeout', '100ms']);
    expect(code).to.equal(1);
    expect(kube.requests.filter((r) => r.verb === 'get').length).to.be.greaterThan(0);
  });

  it('exit 1 when the run is deleted while waiting', async () => {
    const { object, name } = stored('running');
    const kube = new FakeKube().add(object);
    kube.watchEvents = [{ type: 'DELETED', object }];
    const { code, stderr } = await run(kube, ['wait', name]);
    expect(code).to.equal(1);
    expect(stderr).to.equal(`error: workflowrun "${name}" was deleted while waiting for it\n`);
  });

  it('exit 1 for a missing run, one line', async () => {
    const { code, stderr } = await run(new FakeKube(), ['wait', 'ghost', '-n', 'team-a']);
    expect(code).to.equal(1);
    expect(stderr).to.equal('error: workflowrun "ghost" not found in namespace "team-a"\n');
  });
});
