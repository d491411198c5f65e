// Runs the real kubectl and helm binaries against a cluster, collecting their output.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN_DIR = resolve(process.env.OCWR_BIN_DIR ?? join(REPO_ROOT, '.cache', 'bin'));

export function binary(name: 'etcd' | 'kube-apiserver' | 'kubectl' | 'helm'): string {
  const path = join(BIN_DIR, name);
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: run \`make tools\` to build or install it (the first build takes minutes)`,
    );
  }
  return path;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  // Written to the command's stdin.
  input?: string;
  // Added to the environment (on top of this process's and the cluster's variables).
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  // The command is killed after this long; its result then has code 124, like timeout(1).
  timeoutMs?: number;
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(stderr).toString('utf8');
      resolvePromise({
        code: timedOut ? 124 : (code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: timedOut ? `${text}\n${command} timed out` : text,
      });
    });
    // A command that exits without reading stdin closes the pipe early; that is not our error.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

// Throws with the command's stderr unless it exited 0; returns stdout.
export function check(result: CommandResult, what: string): string {
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}
