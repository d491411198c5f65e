import { expect } from 'chai';

import type { WorkflowRunObject } from '../../core/index.ts';
import { noResourcesMessage, renderList } from '../../kubectl-plugin/render/list.ts';
import { stripColor } from '../../kubectl-plugin/render/table.ts';
import { FIXED_NOW, expectGolden, loadRunFixture, runFixtureNames } from '../golden/render/support.ts';

const ALL_RUNS = runFixtureNames().map(loadRunFixture);
const PLAIN = { now: FIXED_NOW, wide: false, allNamespaces: false, color: false };

describe('renderList', () => {
  it('golden: every fixture, default columns', () => {
    expectGolden('list/default.txt', renderList(ALL_RUNS, PLAIN));
  });

  it('golden: -o wide', () => {
    expectGolden('list/wide.txt', renderList(ALL_RUNS, { ...PLAIN, wide: true }));
  });

  it('golden: -A -o wide', () => {
    expectGolden(
      'list/all-namespaces-wide.txt',
      renderList(ALL_RUNS, { ...PLAIN, wide: true, allNamespaces: true }),
    );
  });

  it('golden: colour, which stripped gives the plain table', () => {
    const output = renderList(ALL_RUNS, { ...PLAIN, color: true });
    expectGolden('list/color.txt', output);
    expect(output).to.include('\x1b[32mSucceeded\x1b[0m');
    expect(stripColor(output)).to.equal(renderList(ALL_RUNS, PLAIN));
  });

  it('sorts newest first, then by name and namespace, whatever the input order', () => {
    const runs: WorkflowRunObject[] = [
      { metadata: { name: 'b', namespace: 'x', creationTimestamp: '2024-01-15T10:00:00Z' } },
      { metadata: { name: 'no-time', namespace: 'x' } },
      { metadata: { name: 'a', namespace: 'y', creationTimestamp: '2024-01-15T10:00:00Z' } },
      { metadata: { name: 'a', namespace: 'x', creationTimestamp: '2024-01-15T10:00:00Z' } },
      { metadata: { name: 'newest', namespace: 'x', creationTimestamp: '2024-01-15T10:30:00Z' } },
    ];
    const order = (list: WorkflowRunObject[]) =>
      renderList(list, { ...PLAIN, allNamespaces: true })
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => line.split(/ +/).slice(0, 2).join('/'));
    const expected = ['x/newest', 'x/a', 'y/a', 'x/b', 'x/no-time'];
    expect(order(runs)).to.deep.equal(expected);
    expect(order([...runs].reverse())).to.deep.equal(expected);
  });

  it('does not reorder the caller’s array', () => {
    const runs = [...ALL_RUNS];
    renderList(runs, PLAIN);
    expect(runs).to.deep.equal(ALL_RUNS);
  });

  it('separates columns by three spaces and leaves no trailing spaces', () => {
    const lines = renderList([loadRunFixture('running')], PLAIN)
      .trimEnd()
      .split('\n');
    expect(lines).to.deep.equal([
      'NAME               WORKFLOW                       STATUS    AGE',
      'greeter-build-09   ClusterWorkflow/docker-build   Running   5m2s',
    ]);
  });

  it('is empty for no runs; the command prints kubectl’s message', () => {
    expect(renderList([], PLAIN)).to.equal('');
    expect(noResourcesMessage('default', false)).to.equal('No resources found in default namespace.');
    expect(noResourcesMessage(undefined, true)).to.equal('No resources found');
  });
});
