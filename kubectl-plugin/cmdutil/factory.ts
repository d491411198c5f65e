// What every command needs from the outside world, in one object so tests can replace all of it: output streams,
// a clock and a way to reach the cluster. Modelled on the GitHub CLI's cmdutil.Factory.
import type { ConnectionFlags, KubeClient } from '../kube.ts';
import { EXIT_OK } from './errors.ts';

export interface Output {
  write(text: string): unknown;
}

export interface IOStreams {
  stdout: Output;
  stderr: Output;
  stdin: NodeJS.ReadableStream;
  /** stdout is a terminal. */
  isTTY: boolean;
  /** stdin is a terminal too: a command may ask questions. */
  stdinIsTTY: boolean;
  /** Colour is wanted: stdout is a terminal and NO_COLOR is not set. */
  color: boolean;
  /** The terminal's width in columns, when stdout is one. */
  columns?: number;
}

export interface Factory {
  io: IOStreams;
  clock: () => Date;
  /** Connects lazily: commands that never talk to the cluster never load the client or read kubeconfig. */
  kubeClient(flags: ConnectionFlags): Promise<KubeClient>;
  /** Set by the command that ran; the process exits with it. */
  exitCode: number;
}

function colorWanted(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  // https://no-color.org: any non-empty value disables colour.
  return isTTY && !env.NO_COLOR;
}

export function systemFactory(): Factory {
  const isTTY = process.stdout.isTTY === true;
  return {
    io: {
      stdout: process.stdout,
      stderr: process.stderr,
      // Read when a command asks: process.stdin builds a stream at first use (for a file or /dev/null, Node's file
      // streams and fs/promises with it), which commands that never read stdin need not pay for.
      get stdin() {
        return process.stdin;
      },
      isTTY,
      get stdinIsTTY() {
        return process.stdin.isTTY === true;
      },
      color: colorWanted(isTTY, process.env),
      ...(isTTY && process.stdout.columns > 0 ? { columns: process.stdout.columns } : {}),
    },
    clock: () => new Date(),
    kubeClient: async (flags) => (await import('../kube-client.ts')).createKubeClient(flags),
    exitCode: EXIT_OK,
  };
}
