// The V8 code cache the bundled plugin is loaded through (kubectl-plugin/code-cache.ts). Each case runs a
// fresh Node process, since the cache is written when the process exits: the module's exports are right whether the
// cache is missing, valid, from another bundle, corrupt or impossible to write, and a valid one is reused.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { cacheDirectory } from '../../../kubectl-plugin/code-cache.ts';
import { cacheName } from '../../../kubectl-plugin/launch.ts';
import { REPO_ROOT } from '../../../local-cluster/tools.ts';

const run = promisify(execFile);
const LOADER = path.join(REPO_ROOT, 'kubectl-plugin', 'code-cache.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

describe('plugin code cache', function () {
  // Each case starts Node with tsx.
  this.timeout(30_000);
  let scratch: string;
  let bundle: string;
  let cacheHome: string;
  let cacheFile: string;

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'plugin-code-cache-'));
    bundle = path.join(scratch, 'fixture-ABCD1234.cjs');
    // A bundle as esbuild writes one: CommonJS that requires Node's modules relative to itself.
    writeFileSync(
      bundle,
      "const path = require('node:path');\n" +
        'exports.file = path.basename(__filename);\n' +
        'exports.double = function double(n) { return n * 2; };\n',
    );
    cacheHome = path.join(scratch, 'cache');
    cacheFile = path.join(cacheHome, 'kubectl-workflowrun', 'fixture.v8cache');
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  /** Loads the bundle in a new process; returns what its exports computed. */
  async function load(xdgCacheHome = cacheHome): Promise<{ stdout: string; stderr: string }> {
    const program = [
      `import { cacheDirectory, loadCommonJS } from ${JSON.stringify(LOADER)};`,
      "import { pathToFileURL } from 'node:url';",
      "const exported = loadCommonJS(pathToFileURL(process.argv[1]), 'fixture', cacheDirectory());",
      'console.log(exported.file, exported.double(21));',
    ].join('\n');
    return run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program, bundle], {
      cwd: REPO_ROOT,
      env: { ...process.env, XDG_CACHE_HOME: xdgCacheHome },
      timeout: 20_000,
    });
  }

  const header = () => `fixture-ABCD1234.cjs ${process.version} ${process.arch}\n`;

  it('runs the bundle and writes its compiled code, keyed by bundle and Node, at exit', async () => {
    const { stdout, stderr } = await load();
    expect(stdout).to.equal('fixture-ABCD1234.cjs 42\n');
    expect(stderr).to.equal('');
    const cache = readFileSync(cacheFile);
    expect(cache.subarray(0, header().length).toString()).to.equal(header());
    expect(cache.length).to.be.greaterThan(header().length);
    expect(statSync(cacheFile).mode & 0o777).to.equal(0o600);
  });

  it('reuses a cache V8 accepts, without writing it again', async () => {
    await load();
    const written = statSync(cacheFile).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await load()).stdout).to.equal('fixture-ABCD1234.cjs 42\n');
    expect(statSync(cacheFile).mtimeMs).to.equal(written);
  });

  it("replaces another bundle's cache and a corrupt one", async () => {
    await load();
    const valid = readFileSync(cacheFile);
    writeFileSync(cacheFile, Buffer.concat([Buffer.from('fixture-OTHER000.cjs v0 x\n'), valid]));
    expect((await load()).stdout).to.equal('fixture-ABCD1234.cjs 42\n');
    expect(readFileSync(cacheFile).subarray(0, header().length).toString()).to.equal(header());

    writeFileSync(cacheFile, Buffer.concat([Buffer.from(header()), Buffer.alloc(64, 7)]));
    expect((await load()).stdout).to.equal('fixture-ABCD1234.cjs 42\n');
    expect(readFileSync(cacheFile).length).to.be.greaterThan(header().length + 64);
  });

  it('works, quietly and without hanging, where the cache cannot be written', async () => {
    // A file where the cache folder's parent should be, and /proc (where Node 20's recursive mkdir never returns).
    const blocker = path.join(scratch, 'not-a-folder');
    writeFileSync(blocker, '');
    for (const where of [blocker, '/proc/kubectl-workflowrun-test']) {
      const { stdout, stderr } = await load(where);
      expect(stdout).to.equal('fixture-ABCD1234.cjs 42\n');
      expect(stderr).to.equal('');
    }
  });

  it('lives in XDG_CACHE_HOME when that is absolute, else in ~/.cache, else nowhere', () => {
    const home = () => '/home/u';
    expect(cacheDirectory({ XDG_CACHE_HOME: '/var/cache/u' }, home)).to.equal(
      '/var/cache/u/kubectl-workflowrun',
    );
    expect(cacheDirectory({ XDG_CACHE_HOME: 'relative' }, home)).to.equal(
      '/home/u/.cache/kubectl-workflowrun',
    );
    expect(cacheDirectory({}, home)).to.equal('/home/u/.cache/kubectl-workflowrun');
    // Never the working directory: an empty or relative home, or none at all, means no cache.
    expect(cacheDirectory({}, () => '')).to.equal(undefined);
    expect(cacheDirectory({}, () => 'u')).to.equal(undefined);
    expect(
      cacheDirectory({}, () => {
        throw new Error('no home');
      }),
    ).to.equal(undefined);
  });

  it('runs the bundle without any cache when there is no cache folder', async () => {
    const program = [
      `import { loadCommonJS } from ${JSON.stringify(LOADER)};`,
      "import { pathToFileURL } from 'node:url';",
      "console.log(loadCommonJS(pathToFileURL(process.argv[1]), 'fixture', undefined).double(4));",
    ].join('\n');
    const { stdout } = await run(
      process.execPath,
      // tsx by its path, since the working directory is the scratch folder: nothing may appear there, nor in the
      // XDG cache folder inside it.
      ['--import', TSX, '--input-type=module', '-e', program, bundle],
      { cwd: scratch, env: { ...process.env, XDG_CACHE_HOME: cacheHome }, timeout: 20_000 },
    );
    expect(stdout).to.equal('8\n');
    expect(readdirSync(scratch).sort()).to.deep.equal(['fixture-ABCD1234.cjs']);
  });

  it('keeps a cache per command, and one for every line that does not start with a command', () => {
    expect(cacheName(['describe', 'run-1', '-n', 'dev'])).to.equal('kubectl-workflowrun.describe');
    expect(cacheName(['__complete', 'describe', ''])).to.equal('kubectl-workflowrun.__complete');
    for (const argv of [[], ['--help'], ['-n', 'dev', 'list'], ['descrbe', 'run-1'], ['../x']]) {
      expect(cacheName(argv)).to.equal('kubectl-workflowrun');
    }
  });
});
