// What every command needs from the outside world, in one object so tests can replace all of it: output streams,
// a clock, the environment and a way to reach the cluster. Modelled on the GitHub CLI's cmdutil.Factory.
import { Command } from 'commander';
import { GROUP, InputError } from '../core/index.ts';
import type { ConnectionFlags, KubeClient } from './kube.ts';

export interface Output {
  write(text: string): unknown;
}

export interface IOStreams {
  stdout: Output;
  stderr: Output;
  stdin: NodeJS.ReadableStream;
  /** stdout is a terminal. */
  isTTY: boolean;
  /** Colour is wanted: stdout is a terminal and NO_COLOR is not set. */
  color: boolean;
}

export interface Factory {
  io: IOStreams;
  clock: () => Date;
  /** Connects lazily: commands that never talk to the cluster never load the client or read kubeconfig. */
  kubeClient(flags: ConnectionFlags): Promise<KubeClient>;
  /** Set by the command that ran; the process exits with it. */
  exitCode: number;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

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
      stdin: process.stdin,
      isTTY,
      color: colorWanted(isTTY, process.env),
    },
    clock: () => new Date(),
    kubeClient: async (flags) => (await import('./kube-client.ts')).createKubeClient(flags),
    exitCode: EXIT_OK,
  };
}

/** `-n`, `--context`, `--kubeconfig` on a command (and `-A` where listing across namespaces makes sense). */
export function addConnectionFlags(command: Command, options: { allNamespaces?: boolean } = {}): Command {
  command
    .option(
      '-n, --namespace <namespace>',
      'namespace (default: the kubeconfig context namespace, else "default")',
    )
    .option('--context <context>', 'kubeconfig context to use')
    .option('--kubeconfig <file>', 'path to the kubeconfig file');
  if (options.allNamespaces) command.option('-A, --all-namespaces', 'across all namespaces');
  return command;
}

export interface ConnectionOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  allNamespaces?: boolean;
}

/** The connection flags given on the command or before it (`kubectl workflowrun -n x list`). */
export function connectionOptions(command: Command): ConnectionOptions {
  const merged = command.optsWithGlobals<ConnectionOptions>();
  const result: ConnectionOptions = {};
  if (merged.namespace !== undefined) result.namespace = merged.namespace;
  if (merged.context !== undefined) result.context = merged.context;
  if (merged.kubeconfig !== undefined) result.kubeconfig = merged.kubeconfig;
  if (merged.allNamespaces) result.allNamespaces = true;
  return result;
}

/** A memoised client factory for one command run, so several calls share one connection. */
export function lazyKube(factory: Factory, flags: ConnectionOptions): () => Promise<KubeClient> {
  let client: Promise<KubeClient> | undefined;
  return () => {
    const connection: ConnectionFlags = {};
    if (flags.kubeconfig !== undefined) connection.kubeconfig = flags.kubeconfig;
    if (flags.context !== undefined) connection.context = flags.context;
    client ??= factory.kubeClient(connection);
    return client;
  };
}

/** What the options of every command that may reach the cluster start with. */
export function clusterDependencies(factory: Factory, connection: ConnectionOptions) {
  return { io: factory.io, clock: factory.clock, kube: lazyKube(factory, connection), connection };
}

/**
 * Wires a command's action: `build` turns parsed arguments into the command's options, then `runF` (tests) or
 * `run` executes them; the exit code lands on the factory.
 */
export function setAction<Options>(
  command: Command,
  factory: Factory,
  build: (args: string[], command: Command) => Options,
  run: (options: Options) => Promise<number>,
  runF?: (options: Options) => Promise<number>,
): Command {
  return command.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    try {
      const options = build(self.args.slice(0, self.registeredArguments.length), self);
      factory.exitCode = await (runF ?? run)(options);
    } catch (err) {
      factory.exitCode = reportError(factory.io, err);
    }
  });
}

/**
 * Prints an error (`error: ...`) and returns the exit code it stands for. Never a stack trace. Errors are told
 * apart by name rather than by class: the core is loaded with a dynamic import, and a module loaded twice (as
 * happens under a test runner's loader) has two copies of each class.
 */
export function reportError(io: IOStreams, err: unknown): number {
  if (!(err instanceof Error)) {
    io.stderr.write(`error: ${String(err)}\n`);
    return EXIT_FAILURE;
  }
  switch (err.name) {
    case 'UsageError':
    case 'InputError':
      io.stderr.write(`error: ${err.message}\n`);
      return EXIT_USAGE;
    // Messages made for users: ours, and the API server's own (a webhook denial may span several lines).
    case 'CommandError':
    case 'KubeApiError':
    case 'KubeConnectionError':
    case 'SchemaError':
      io.stderr.write(`error: ${err.message}\n`);
      return (err as Partial<CommandError>).exitCode ?? EXIT_FAILURE;
    default:
      io.stderr.write(`error: ${err.message.split('\n', 1)[0]}\n`);
      return EXIT_FAILURE;
  }
}

/** The namespace a command works in: `-n`, else the kubeconfig context's. */
export async function resolveNamespace(
  flags: ConnectionOptions,
  kube: () => Promise<KubeClient>,
): Promise<string> {
  return flags.namespace ?? (await kube()).defaultNamespace;
}

/** kubectl's `<resource>.<group>/<name>` form, used by `-o name` and the one-line results. */
export function qualifiedName(name: string): string {
  return `workflowrun.${GROUP}/${name}`;
}

/** Reads a whole input: a file path, or `-` for stdin. */
export async function readSource(source: string, io: IOStreams): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(source, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new InputError(`${source}: ${reason}`);
  }
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  failure: invalid parameters, request denied, run failed, timeout, server error
  2  usage or input error: bad flags, unreadable or malformed file, unknown Workflow (validate)`;

/** Commander setup every command in the tree shares: where it writes, and errors instead of process.exit. */
export function configureCommand(command: Command, factory: Factory): Command {
  return command
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => factory.io.stdout.write(text),
      writeErr: (text) => factory.io.stderr.write(text),
      outputError: (text, write) => write(text.endsWith('\n') ? text : `${text}\n`),
    });
}

/** A new command already wired to the factory's streams (see configureCommand). */
export function newCommand(name: string, factory: Factory): Command {
  return configureCommand(new Command(name), factory);
}
