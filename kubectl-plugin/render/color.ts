// Colour for states, only when the caller says the output is a terminal that wants it. Codes wrap the visible
// text and reset right after it, so stripping them gives the plain output byte for byte.

export type Tone = 'success' | 'failure' | 'progress' | 'plain';

const SGR_CODES: Record<Exclude<Tone, 'plain'>, number> = { success: 32, failure: 31, progress: 33 };

export function paint(text: string, tone: Tone, color: boolean): string {
  return color && tone !== 'plain' ? `\x1b[${SGR_CODES[tone]}m${text}\x1b[0m` : text;
}

/**
 * The tone of a `runStatus` word. Any WorkflowCompleted reason other than WorkflowPending (WorkflowPlaneNotFound,
 * WorkflowResolutionFailed, ...) means the controller cannot go on without help, so it reads as a failure.
 */
export function statusTone(status: string): Tone {
  switch (status) {
    case 'Succeeded':
      return 'success';
    case 'Running':
    case 'Pending':
    case 'WorkflowPending':
      return 'progress';
    default:
      return 'failure';
  }
}

/** The tone of a task phase (Pending|Running|Succeeded|Failed|Skipped|Error). */
export function phaseTone(phase: string): Tone {
  switch (phase) {
    case 'Succeeded':
      return 'success';
    case 'Failed':
    case 'Error':
      return 'failure';
    case 'Running':
    case 'Pending':
      return 'progress';
    default:
      return 'plain';
  }
}
