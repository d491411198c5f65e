// The exit codes, the errors a command raises to end with one of them, and the one place errors become the single
// `error: ...` line users see.
import { InputError, SchemaError } from '../../core/index.ts';
import { KubeApiError, KubeConnectionError } from '../kube.ts';
import type { Output } from './factory.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  failure: invalid parameters, request denied, run failed, timeout, server error
  2  usage or input error: bad flags, unreadable or malformed file, unknown Workflow (validate)`;

/** Wrong flags or arguments, found after commander's own checks: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT_USAGE;
}

/** A failure the command already knows how to say in one line, with its exit code. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** Prints an error (`error: ...`) and returns the exit code it stands for. Never a stack trace. */
export function reportError(io: { stderr: Output }, err: unknown): number {
  if (!(err instanceof Error)) {
    io.stderr.write(`error: ${String(err)}\n`);
    return EXIT_FAILURE;
  }
  if (err instanceof UsageError || err instanceof InputError) {
    io.stderr.write(`error: ${err.message}\n`);
    return EXIT_USAGE;
  }
  // Messages made for users: ours, and the API server's own (a webhook denial may span several lines).
  if (err instanceof CommandError) {
    io.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof KubeApiError || err instanceof KubeConnectionError || err instanceof SchemaError) {
    io.stderr.write(`error: ${err.message}\n`);
    return EXIT_FAILURE;
  }
  io.stderr.write(`error: ${err.message.split('\n', 1)[0]}\n`);
  return EXIT_FAILURE;
}
