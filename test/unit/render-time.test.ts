import { expect } from 'chai';

import type { WorkflowRunObject } from '../../core/index.ts';
import { formatAge, formatDuration, runDuration } from '../../kubectl-plugin/render/time.ts';
import { FIXED_NOW, loadRunFixture } from '../golden/render/support.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

describe('kubectl-plugin/render/time', () => {
  describe('formatDuration (kubectl HumanDuration)', () => {
    const cases: [number, string][] = [
      [-2 * SECOND, '<invalid>'],
      [-1999, '0s'],
      [-1 * SECOND, '0s'],
      [-500, '0s'],
      [0, '0s'],
      [999, '0s'],
      [SECOND, '1s'],
      [59 * SECOND, '59s'],
      [119 * SECOND, '119s'],
      [2 * MINUTE, '2m'],
      [3 * MINUTE + 20 * SECOND, '3m20s'],
      [9 * MINUTE + 59 * SECOND, '9m59s'],
      [10 * MINUTE + 30 * SECOND, '10m'],
      [179 * MINUTE, '179m'],
      [3 * HOUR, '3h'],
      [2 * HOUR + 5 * MINUTE, '125m'],
      [3 * HOUR + 5 * MINUTE, '3h5m'],
      [7 * HOUR + 59 * MINUTE, '7h59m'],
      [8 * HOUR + 30 * MINUTE, '8h'],
      [47 * HOUR, '47h'],
      [48 * HOUR, '2d'],
      [3 * DAY + 4 * HOUR, '3d4h'],
      [7 * DAY + 23 * HOUR, '7d23h'],
      [8 * DAY + 5 * HOUR, '8d'],
      [729 * DAY, '729d'],
      [2 * YEAR, '2y'],
      [2 * YEAR + 30 * DAY, '2y30d'],
      [7 * YEAR + 364 * DAY, '7y364d'],
      [8 * YEAR + 100 * DAY, '8y'],
      [Number.NaN, '<unknown>'],
    ];
    for (const [ms, text] of cases) {
      it(`${ms} ms -> ${text}`, () => expect(formatDuration(ms)).to.equal(text));
    }
  });

  describe('formatAge', () => {
    it('measures from a timestamp string or a Date to the given clock', () => {
      expect(formatAge('2024-01-15T10:31:40Z', FIXED_NOW)).to.equal('3m20s');
      expect(formatAge(new Date('2024-01-12T06:35:00Z'), FIXED_NOW)).to.equal('3d4h');
    });

    it('is <unknown> for a missing or unreadable time', () => {
      expect(formatAge(undefined, FIXED_NOW)).to.equal('<unknown>');
      expect(formatAge('', FIXED_NOW)).to.equal('<unknown>');
      expect(formatAge('yesterday-ish', FIXED_NOW)).to.equal('<unknown>');
      expect(formatAge(new Date(Number.NaN), FIXED_NOW)).to.equal('<unknown>');
    });

    it('tolerates a second of clock skew and calls more <invalid>', () => {
      expect(formatAge('2024-01-15T10:35:01Z', FIXED_NOW)).to.equal('0s');
      expect(formatAge('2024-01-15T10:35:02Z', FIXED_NOW)).to.equal('<invalid>');
    });
  });

  describe('runDuration', () => {
    it('is completedAt - startedAt for a completed run', () => {
      expect(runDuration(loadRunFixture('succeeded'), FIXED_NOW)).to.equal('4m30s');
    });

    it('counts up to now while the run has not completed', () => {
      expect(runDuration(loadRunFixture('running'), FIXED_NOW)).to.equal('5m');
    });

    it('ends a completed run without completedAt at its WorkflowCompleted transition', () => {
      const run: WorkflowRunObject = {
        status: {
          startedAt: '2024-01-15T10:00:00Z',
          conditions: [
            {
              type: 'WorkflowCompleted',
              status: 'True',
              reason: 'WorkflowFailed',
              lastTransitionTime: '2024-01-15T10:01:05Z',
            },
          ],
        },
      };
      expect(runDuration(run, FIXED_NOW)).to.equal('65s');
    });

    it('is <none> before the run started and <unknown> when a completed run has no end time', () => {
      expect(runDuration(loadRunFixture('no-status'), FIXED_NOW)).to.equal('<none>');
      expect(runDuration(loadRunFixture('v017-succeeded'), FIXED_NOW)).to.equal('<none>');
      const run: WorkflowRunObject = {
        status: {
          startedAt: '2024-01-15T10:00:00Z',
          conditions: [{ type: 'WorkflowCompleted', status: 'True' }],
        },
      };
      expect(runDuration(run, FIXED_NOW)).to.equal('<unknown>');
    });
  });
});
