// The chart README's values table is generated from values.yaml's `# --` comments and must not fall behind them.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import {
  describedKeys,
  undocumentedKeys,
  valuesTable,
  withValuesTable,
  TABLE_START,
  TABLE_END,
} from '../../scripts/chart-readme.mjs';
import { parse } from 'yaml';
import { repoRoot } from './chart-render.ts';

const sample = [
  '# -- Pods to run.',
  'replicaCount: 2',
  'webhook:',
  '  # -- What happens when the webhook is down:',
  '  # `Fail` or `Ignore`.',
  '  failurePolicy: Fail',
  '  # a plain comment documents nothing',
  '  port: 9443',
  '# -- Requests and limits, as one row.',
  'resources:',
  '  limits:',
  '    cpu: "1"',
  '',
  '# -- Not attached: a blank line separates it from the key.',
  '',
  'labels: {}',
].join('\n');

describe('chart README values table (scripts/chart-readme.mjs)', () => {
  it('reads each `# --` comment, continued on the next comment lines, as the description of the key below it', () => {
    expect([...describedKeys(sample)]).to.deep.equal([
      ['replicaCount', 'Pods to run.'],
      ['webhook.failurePolicy', 'What happens when the webhook is down: `Fail` or `Ignore`.'],
      ['resources', 'Requests and limits, as one row.'],
    ]);
  });

  it('names every value that neither it nor an enclosing map documents', () => {
    expect(undocumentedKeys(parse(sample), describedKeys(sample))).to.deep.equal(['webhook.port', 'labels']);
  });

  it('renders one row per documented key with its type and default, escaping pipes', () => {
    const table = valuesTable('# -- A | B\nmode: a|b\n# -- Limits.\nresources:\n  cpu: 1\n');
    expect(table.split('\n').slice(2)).to.deep.equal([
      '| `mode` | string | `"a\\|b"` | A \\| B |',
      '| `resources` | object | `{"cpu":1}` | Limits. |',
    ]);
  });

  it('replaces only what lies between the markers', () => {
    const readme = `# Title\n${TABLE_START}\nold\n${TABLE_END}\nafter\n`;
    expect(withValuesTable(readme, 'new')).to.equal(`# Title\n${TABLE_START}\nnew\n${TABLE_END}\nafter\n`);
    expect(() => withValuesTable('# no markers', 'new')).to.throw('values table');
  });

  it('finds the chart README in step with values.yaml, every value documented', () => {
    const result = spawnSync(process.execPath, ['scripts/chart-readme.mjs', '--check'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).to.equal(0);
  });
});
