import { expect } from 'chai';

import {
  findCondition,
  isCompleted,
  isFailed,
  isSucceeded,
  runStatus,
  type Condition,
  type WorkflowRunObject,
} from '../../core/index.ts';
import { loadRunFixture, runFixtureNames } from '../golden/render/support.ts';

function runWith(conditions: Partial<Condition>[]): WorkflowRunObject {
  return { status: { conditions: conditions as Condition[] } };
}

describe('core/status', () => {
  describe('runStatus over every situation in conditions.md (fixtures)', () => {
    const expected: Record<
      string,
      { status: string; completed: boolean; succeeded: boolean; failed: boolean }
    > = {
      'no-status': { status: 'Pending', completed: false, succeeded: false, failed: false },
      'first-reconcile': { status: 'WorkflowPending', completed: false, succeeded: false, failed: false },
      running: { status: 'Running', completed: false, succeeded: false, failed: false },
      succeeded: { status: 'Succeeded', completed: true, succeeded: true, failed: false },
      failed: { status: 'Failed', completed: true, succeeded: false, failed: true },
      'workflow-gone': { status: 'Failed', completed: true, succeeded: false, failed: true },
      'resolution-failed': {
        status: 'WorkflowResolutionFailed',
        completed: false,
        succeeded: false,
        failed: false,
      },
      'no-workflow-plane': {
        status: 'WorkflowPlaneNotFound',
        completed: false,
        succeeded: false,
        failed: false,
      },
      'plane-lookup-failed': {
        status: 'WorkflowPlaneResolutionFailed',
        completed: false,
        succeeded: false,
        failed: false,
      },
      'component-validation-failed': { status: 'Failed', completed: true, succeeded: false, failed: true },
      'v017-succeeded': { status: 'Succeeded', completed: true, succeeded: true, failed: false },
    };

    it('has an expectation for every fixture file', () => {
      expect(runFixtureNames()).to.have.members(Object.keys(expected));
    });

    for (const [name, want] of Object.entries(expected)) {
      it(`${name}: ${want.status}`, () => {
        const run = loadRunFixture(name);
        expect(runStatus(run)).to.equal(want.status);
        expect(isCompleted(run), 'isCompleted').to.equal(want.completed);
        expect(isSucceeded(run), 'isSucceeded').to.equal(want.succeeded);
        expect(isFailed(run), 'isFailed').to.equal(want.failed);
      });
    }
  });

  describe('runStatus precedence', () => {
    it('Succeeded wins over Failed and Running', () => {
      const run = runWith([
        { type: 'WorkflowRunning', status: 'True' },
        { type: 'WorkflowFailed', status: 'True' },
        { type: 'WorkflowSucceeded', status: 'True' },
      ]);
      expect(runStatus(run)).to.equal('Succeeded');
    });

    it('Failed wins over Running', () => {
      const run = runWith([
        { type: 'WorkflowRunning', status: 'True' },
        { type: 'WorkflowFailed', status: 'True' },
      ]);
      expect(runStatus(run)).to.equal('Failed');
    });

    it('Running wins over the WorkflowCompleted reason', () => {
      const run = runWith([
        { type: 'WorkflowCompleted', status: 'False', reason: 'WorkflowPending' },
        { type: 'WorkflowRunning', status: 'True' },
      ]);
      expect(runStatus(run)).to.equal('Running');
    });

    it('conditions that are False or Unknown do not count', () => {
      const run = runWith([
        { type: 'WorkflowSucceeded', status: 'False' },
        { type: 'WorkflowFailed', status: 'Unknown' },
        { type: 'WorkflowRunning', status: 'False' },
      ]);
      expect(runStatus(run)).to.equal('Pending');
    });

    it('falls back to Pending when the WorkflowCompleted reason is empty or missing', () => {
      expect(runStatus(runWith([{ type: 'WorkflowCompleted', status: 'False', reason: '' }]))).to.equal(
        'Pending',
      );
      expect(runStatus(runWith([{ type: 'WorkflowCompleted', status: 'False' }]))).to.equal('Pending');
      expect(runStatus({})).to.equal('Pending');
      expect(runStatus({ status: {} })).to.equal('Pending');
    });

    it('reads a malformed conditions list as no conditions instead of throwing', () => {
      const malformed = [
        { status: { conditions: 'WorkflowSucceeded' } },
        { status: { conditions: [null, 3, 'x', { type: 'WorkflowRunning', status: 'True' }] } },
        { status: null },
      ] as unknown as WorkflowRunObject[];
      expect(malformed.map(runStatus)).to.deep.equal(['Pending', 'Running', 'Pending']);
    });
  });

  describe('findCondition', () => {
    it('returns the condition of the type, or undefined', () => {
      const run = loadRunFixture('succeeded');
      expect(findCondition(run, 'WorkflowRunning')?.message).to.equal('Argo Workflow running has completed');
      expect(findCondition(run, 'Ready')).to.equal(undefined);
    });
  });
});
