import { expect } from 'chai';

import { paint, phaseTone, statusTone } from '../../kubectl-plugin/render/color.ts';
import { referenceLabel, timestampWithAge, workflowLabel } from '../../kubectl-plugin/render/fields.ts';
import {
  cell,
  displayWidth,
  formatColumns,
  formatDescribeTable,
  formatFields,
  sanitize,
  stripColor,
} from '../../kubectl-plugin/render/table.ts';
import { FIXED_NOW } from '../golden/render/support.ts';

describe('render helpers', () => {
  describe('sanitize and cell', () => {
    it('escapes C0, DEL, C1 and bidi controls but keeps other text', () => {
      expect(sanitize('a\tb\nc\rd')).to.equal('a\\tb\\nc\\rd');
      expect(sanitize('\x1b[31m\x7f\x9b')).to.equal('\\u001b[31m\\u007f\\u009b');
      expect(sanitize('abc\u202edef\u2066')).to.equal('abc\\u202edef\\u2066');
      expect(sanitize('héllo 构建 ✓')).to.equal('héllo 构建 ✓');
    });

    it('shows missing and empty values as <none> and wrong shapes as JSON', () => {
      expect([undefined, null, ''].map(cell)).to.deep.equal(['<none>', '<none>', '<none>']);
      expect([0, false, 'x'].map(cell)).to.deep.equal(['0', 'false', 'x']);
      expect(cell({ a: [1] })).to.equal('{"a":[1]}');
    });
  });

  describe('displayWidth', () => {
    it('ignores colour codes, counts wide characters twice and combining marks not at all', () => {
      expect(displayWidth('\x1b[32mSucceeded\x1b[0m')).to.equal(9);
      expect(displayWidth('构建')).to.equal(4);
      expect(displayWidth('e\u0301')).to.equal(1);
      expect(displayWidth('🚀x')).to.equal(3);
    });

    it('counts every ASCII character, control characters included, as one column', () => {
      const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('');
      expect(displayWidth(ascii.replace('\x1b', ''))).to.equal(127);
      expect(displayWidth(`${ascii}构`)).to.equal(130);
    });
  });

  describe('formatColumns', () => {
    it('pads every column but the last to its widest cell plus the gap', () => {
      expect(
        formatColumns(
          [
            ['A', 'BB', 'C'],
            ['aaaa', 'b', 'c'],
          ],
          3,
        ),
      ).to.deep.equal(['A      BB   C', 'aaaa   b    c']);
    });

    it('aligns on visible text when cells are coloured', () => {
      const lines = formatColumns(
        [
          [paint('ok', 'success', true), 'x'],
          ['longer', 'y'],
        ],
        2,
      );
      expect(lines.map(stripColor)).to.deep.equal(['ok      x', 'longer  y']);
    });
  });

  describe('formatDescribeTable and formatFields', () => {
    it('draws a dashed rule under the headers, indented by two', () => {
      expect(formatDescribeTable(['Type', 'Status'], [['WorkflowRunning', 'True']])).to.deep.equal([
        '  Type             Status',
        '  ----             ------',
        '  WorkflowRunning  True',
      ]);
    });

    it('aligns values two spaces after the longest key', () => {
      expect(
        formatFields([
          ['Name', 'a'],
          ['Display Name', 'b'],
        ]),
      ).to.deep.equal(['Name:          a', 'Display Name:  b']);
    });
  });

  describe('colour', () => {
    it('adds codes only when asked, and never for plain tones', () => {
      expect(paint('Failed', 'failure', false)).to.equal('Failed');
      expect(paint('Failed', 'failure', true)).to.equal('\x1b[31mFailed\x1b[0m');
      expect(paint('Skipped', 'plain', true)).to.equal('Skipped');
    });

    it('gives every runStatus word a tone: stuck reasons read as failures', () => {
      expect(
        ['Succeeded', 'Failed', 'Running', 'Pending', 'WorkflowPending', 'WorkflowPlaneNotFound'].map(
          statusTone,
        ),
      ).to.deep.equal(['success', 'failure', 'progress', 'progress', 'progress', 'failure']);
      expect(['Succeeded', 'Failed', 'Error', 'Running', 'Pending', 'Skipped'].map(phaseTone)).to.deep.equal([
        'success',
        'failure',
        'failure',
        'progress',
        'progress',
        'plain',
      ]);
    });
  });

  describe('run fields', () => {
    it('labels the workflow by kind, defaulting to a namespaced Workflow for v0.17 runs', () => {
      expect(workflowLabel({ spec: { workflow: { kind: 'ClusterWorkflow', name: 'b' } } })).to.equal(
        'ClusterWorkflow/b',
      );
      expect(workflowLabel({ spec: { workflow: { name: 'b' } } })).to.equal('Workflow/b');
      expect(workflowLabel({ spec: {} })).to.equal('<none>');
    });

    it('labels a reference namespace/name, or name alone for cluster-scoped objects', () => {
      expect(referenceLabel({ name: 'w', namespace: 'ns' })).to.equal('ns/w');
      expect(referenceLabel({ name: 'w' })).to.equal('w');
      expect(referenceLabel({ namespace: 'ns' })).to.equal('<none>');
      expect(referenceLabel(undefined)).to.equal('<none>');
    });

    it('shows a timestamp with its age, or as written when it cannot be read or lies in the future', () => {
      expect(timestampWithAge('2024-01-15T10:30:00Z', FIXED_NOW)).to.equal('2024-01-15T10:30:00Z (5m ago)');
      expect(timestampWithAge('soon', FIXED_NOW)).to.equal('soon');
      expect(timestampWithAge('2024-01-16T00:00:00Z', FIXED_NOW)).to.equal('2024-01-16T00:00:00Z');
      expect(timestampWithAge(undefined, FIXED_NOW)).to.equal('<none>');
    });
  });
});
