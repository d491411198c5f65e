// An earlier commit's sources beside today's, so that a benchmark times both in the same run: these machines are
// shared and noisy, and only figures measured together compare. `BENCH_BASELINE=REV make bench` names the commit
// (any git revision); without it the benchmarks time today's tree alone.
//
// The commit's tracked files are extracted with `git archive` into .cache/bench-baseline/<sha>/, once, and its
// node_modules is a link to ours (the same lockfile in every commit this is meant for), so a bench module can
// import the old code by path, or start the old programs, exactly as it does today's.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Baseline {
  /** The revision as given, and the commit it names. */
  revision: string;
  commit: string;
  /** The extracted tree: `path.join(root, 'core', ...)` is that commit's core. */
  root: string;
}

/** The baseline named by BENCH_BASELINE, extracted on first use; undefined when none is asked for. */
export async function benchBaseline(): Promise<Baseline | undefined> {
  const revision = process.env.BENCH_BASELINE;
  if (revision === undefined || revision === '') return undefined;
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', `${revision}^{commit}`]).trim();
  } catch {
    throw new Error(`BENCH_BASELINE=${revision} names no commit of this repository`);
  }
  const root = path.join(REPO_ROOT, '.cache', 'bench-baseline', commit);
  if (!existsSync(path.join(root, '.complete'))) await extract(commit, root);
  return { revision, commit, root };
}

async function extract(commit: string, root: string): Promise<void> {
  const partial = `${root}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', commit], {
    cwd: REPO_ROOT,
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', partial], { input: archive });
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(partial, 'node_modules'), 'dir');
  await mkdir(path.join(partial, '.complete'));
  await rm(root, { recursive: true, force: true });
  await rename(partial, root);
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The module of the baseline that holds `names` (the first of `candidates` that exists and exports them all): a
 * commit from before a file was split or renamed still serves, as long as one of its modules has the names.
 */
export async function importBaseline<T>(
  baseline: Baseline,
  candidates: readonly string[],
  names: readonly string[],
): Promise<T> {
  for (const candidate of candidates) {
    const file = path.join(baseline.root, candidate);
    if (!existsSync(file)) continue;
    const module = (await import(file)) as Record<string, unknown>;
    if (names.every((name) => name in module)) return module as T;
  }
  throw new Error(
    `baseline ${baseline.revision} (${baseline.commit.slice(0, 12)}): none of ${candidates.join(', ')} exports ${names.join(', ')}`,
  );
}
