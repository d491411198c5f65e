// The conditions OpenChoreo's controller writes on a WorkflowRun (conditions.md), in its order, for the e2e tests
// that play the controller through the status subresource.
import type { Condition } from '../../core/index.ts';

export type RunOutcome = 'succeeded' | 'failed' | 'running';

/** Now, as the API server stores a time: whole seconds, `Z`. */
export function statusTime(): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function controllerConditions(generation: number, outcome: RunOutcome, at: string): Condition[] {
  const condition = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => ({
    type,
    status,
    reason,
    message,
    observedGeneration: generation,
    lastTransitionTime: at,
  });
  switch (outcome) {
    case 'running':
      return [
        condition('WorkflowCompleted', 'False', 'WorkflowPending', 'Workflow has not completed yet'),
        condition('WorkflowRunning', 'True', 'WorkflowRunning', 'Argo Workflow is running'),
      ];
    case 'succeeded':
      return [
        condition('WorkflowRunning', 'False', 'WorkflowRunning', 'Argo Workflow running has completed'),
        condition('WorkflowSucceeded', 'True', 'WorkflowSucceeded', 'Workflow completed successfully'),
        condition('WorkflowCompleted', 'True', 'WorkflowSucceeded', 'Workflow has completed successfully'),
      ];
    case 'failed':
      return [
        condition('WorkflowRunning', 'False', 'WorkflowRunning', 'Argo Workflow running has completed'),
        condition('WorkflowFailed', 'True', 'WorkflowFailed', 'Workflow execution failed'),
        condition('WorkflowCompleted', 'True', 'WorkflowFailed', 'Workflow has completed with failure'),
      ];
  }
}
