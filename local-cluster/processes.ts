// Child processes of the control plane: started with their output in a log file, stopped by PID, and never
// outliving the Node process that started them unless they were started detached on purpose (`make cluster-up`).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:net';

export interface ProcessRecord {
  name: string;
  pid: number;
  binary: string;
  logPath: string;
}

export interface ManagedProcess extends ProcessRecord {
  // Settles when the process has exited (and, when it is our child, has been reaped).
  readonly exited: Promise<void>;
  hasExited(): boolean;
}

// What the `exit` handler cleans up if the process ends without a proper teardown (an uncaught error, a signal).
const attached = new Map<number, ChildProcess>();
const scratchDirs = new Set<string>();
let exitHandlerInstalled = false;
let signalsHandled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const pid of attached.keys()) killQuietly(pid, 'SIGKILL');
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
}

// Turns SIGINT, SIGTERM and SIGHUP into a normal exit, so the exit handler above still cleans up (by default
// Node dies of these signals without running `exit` listeners). For programs that have no handlers of their own.
export function exitCleanlyOnSignals(): void {
  installExitHandler();
  if (signalsHandled) return;
  signalsHandled = true;
  const codes: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [signal, code] of Object.entries(codes)) process.once(signal, () => process.exit(code));
}

// A directory that is removed when this process exits, even without a proper teardown.
export function removeOnExit(dir: string): void {
  installExitHandler();
  scratchDirs.add(dir);
}

export function keepOnExit(dir: string): void {
  scratchDirs.delete(dir);
}

export function startProcess(options: {
  name: string;
  binary: string;
  args: string[];
  logPath: string;
  // Detached processes get their own process group and keep running after this Node process exits.
  detached?: boolean;
  // Runs the process in this network namespace (`ip netns` name). nsenter execs the binary in place, so the
  // recorded pid and command line are the binary's own.
  networkNamespace?: string;
}): ManagedProcess {
  const log = openSync(options.logPath, 'a');
  const [command, args] = options.networkNamespace
    ? ['nsenter', [`--net=/run/netns/${options.networkNamespace}`, '--', options.binary, ...options.args]]
    : [options.binary, options.args];
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ['ignore', log, log],
      detached: options.detached ?? false,
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.binary}`);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      attached.delete(pid);
      resolve();
    });
    child.once('error', () => {
      done = true;
      attached.delete(pid);
      resolve();
    });
  });
  if (options.detached) {
    child.unref();
  } else {
    installExitHandler();
    attached.set(pid, child);
  }
  return {
    name: options.name,
    pid,
    binary: options.binary,
    logPath: options.logPath,
    exited,
    hasExited: () => done,
  };
}

// True when any process has this pid: enough for the owner of a lock or a run folder, which only needs to be gone.
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// True when `pid` is alive and runs `binary` with an argument that mentions `marker` (guards against PID reuse).
export function isRunning(record: { pid: number; binary: string }, marker: string): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  if (argv[0] !== record.binary || !argv.some((arg) => arg.includes(marker))) return false;
  // A killed child that nobody has reaped yet is a zombie: gone for our purposes.
  try {
    const state = readFileSync(`/proc/${record.pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

// Stops a process we started: SIGTERM, then SIGKILL if it has not exited within `graceMs`.
export async function stopProcess(
  record: ProcessRecord | ManagedProcess,
  marker: string,
  options: { graceMs?: number; signal?: NodeJS.Signals } = {},
): Promise<void> {
  const managed = 'exited' in record ? record : undefined;
  const gone = () => (managed ? managed.hasExited() : !isRunning(record, marker));
  if (gone() || !isRunning(record, marker)) {
    if (managed) await managed.exited;
    return;
  }
  killQuietly(record.pid, options.signal ?? 'SIGTERM');
  if (await waitUntil(gone, options.graceMs ?? 10_000)) return;
  killQuietly(record.pid, 'SIGKILL');
  if (!(await waitUntil(gone, 5_000))) {
    throw new Error(`${record.name} (pid ${record.pid}) did not exit after SIGKILL`);
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A port that was free a moment ago; callers retry when a process then fails to bind it.
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not pick a free port'));
      });
    });
  });
}

// The last lines of a log file, for error messages.
export async function tailFile(path: string, lines = 20): Promise<string> {
  try {
    const file = await open(path);
    try {
      const { size } = await file.stat();
      const length = Math.min(size, 16_384);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      return buffer
        .toString('utf8')
        .split('\n')
        .slice(-lines - 1)
        .join('\n');
    } finally {
      await file.close();
    }
  } catch {
    return '';
  }
}
