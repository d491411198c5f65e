// What the plugin's executables run (scripts/build.mjs writes them): the bundled plugin, loaded through V8's code
// cache (code-cache.ts), called with the command line.
import { cacheDirectory, loadCommonJS } from './code-cache.ts';
import { isCommandName } from './commands/names.ts';

/**
 * The code cache to use for a command line: one per command, since a cache holds the functions of the run that
 * wrote it, and describe reusing the cache create wrote would compile describe's own code every time while reading
 * all of create's. A line that does not start with a command (`--help`, a flag first, a typo) shares one.
 */
export function cacheName(argv: readonly string[]): string {
  return isCommandName(argv[0]) ? `kubectl-workflowrun.${argv[0]}` : 'kubectl-workflowrun';
}

export function launch(bundle: URL, argv: string[]): void {
  // main always ends the process itself; should the event loop ever run dry first, fail as the ES module entry
  // files did (Node's exit code for an unsettled top-level await), not succeed.
  process.once('beforeExit', () => {
    process.exitCode = 13;
  });
  const { main } = loadCommonJS(bundle, cacheName(argv), cacheDirectory()) as {
    main: (argv: string[]) => Promise<void>;
  };
  void main(argv);
}
