// Loads a bundled CommonJS file through V8's code cache. Node 20 compiles ES modules from source on every start
// (it has no module.enableCompileCache), and compiling the plugin and @kubernetes/client-node is most of what a
// command that talks to the cluster spends before its first request. scripts/build.mjs bundles the plugin as
// CommonJS, and its executables run it through loadCommonJS, which keeps the compiled code under the user's cache
// folder after the first run.
//
// The cache is an optimisation only: a missing, stale or unwritable cache costs the compile and nothing else.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/**
 * `$XDG_CACHE_HOME/kubectl-workflowrun`, else `~/.cache/kubectl-workflowrun`; undefined (no cache) when there is
 * no home folder to speak of, so nothing is ever written relative to the working directory.
 */
export function cacheDirectory(
  env: NodeJS.ProcessEnv = process.env,
  home: () => string = homedir,
): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec ignores a relative path.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'kubectl-workflowrun');
  let base: string;
  try {
    base = home();
  } catch {
    // No HOME and no passwd entry for this user (some containers).
    return undefined;
  }
  return path.isAbsolute(base) ? path.join(base, '.cache', 'kubectl-workflowrun') : undefined;
}

/**
 * Runs the CommonJS file at `url` (a bundle: its own `require` resolves next to it) and returns its exports. The
 * compiled code is read from `<cacheDir>/<name>.v8cache` when that file was written for this very bundle and Node;
 * otherwise it is written there when the process exits, so it also holds the functions this run compiled lazily.
 */
export function loadCommonJS(
  url: URL,
  name: string,
  /** From cacheDirectory(); undefined: no cache at all. */
  cacheDir: string | undefined,
): Record<string, unknown> {
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const cacheFile = cacheDir === undefined ? undefined : path.join(cacheDir, `${name}.v8cache`);
  // One cache file per module, replaced when the bundle or Node changes. V8 checks its own version and flags but
  // of the source only the length, so the key names the bundle (its file name carries a content hash) too.
  const key = Buffer.from(`${path.basename(file)} ${process.version} ${process.arch}\n`);
  const cachedData = cacheFile === undefined ? undefined : readCache(cacheFile, key);
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    cachedData ? { filename: file, cachedData } : { filename: file },
  );
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    process.once('exit', () => writeCache(cacheFile, key, script));
  }
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

function readCache(cacheFile: string, key: Buffer): Buffer | undefined {
  let contents: Buffer;
  try {
    contents = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const header = contents.subarray(0, key.length);
  return header.equals(key) ? contents.subarray(key.length) : undefined;
}

function writeCache(cacheFile: string, key: Buffer, script: Script): void {
  // Written aside and renamed, so a concurrent run never reads half a file.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  try {
    // The cache folder and its parent (~/.cache), one at a time: Node 20's recursive mkdirSync never returns for
    // some paths (under /proc it retries forever).
    const folder = path.dirname(cacheFile);
    for (const directory of [path.dirname(folder), folder]) {
      try {
        mkdirSync(directory, { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    writeFileSync(partial, Buffer.concat([key, script.createCachedData()]), { mode: 0o600 });
    renameSync(partial, cacheFile);
  } catch {
    // A read-only home or a full disk: the next run compiles again. This runs at exit, so it must not throw.
    try {
      rmSync(partial, { force: true });
    } catch {
      // Nothing was written.
    }
  }
}
