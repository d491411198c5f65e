// Bundles each program with its dependencies so that start-up does not pay for resolving hundreds of modules
// (importing @kubernetes/client-node unbundled costs about 0.45 s, bundled about 0.13 s): the webhook as ES modules,
// the kubectl plugin as one code-cached CommonJS file behind two small executables.
import { build } from 'esbuild';
import { chmod, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

const alias = { 'whatwg-url': './scripts/shims/whatwg-url.cjs' };

// config.js imports the generated index for two names; the index re-exports all of the generated API and models.
const clientNodeGenIndex = {
  name: 'client-node-gen-index',
  setup(plugins) {
    plugins.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) =>
      args.importer.endsWith(path.join('@kubernetes', 'client-node', 'dist', 'config.js'))
        ? { path: path.resolve('scripts/shims/client-node-gen-index.mjs') }
        : undefined,
    );
  },
};

// Node's modules the plugin's dependencies require when they load but most commands never use: commander's
// child_process (for executable subcommands, which the plugin has none of; client-node's exec credentials still
// load it with the client), node-fetch's zlib (compressed answers), socks-proxy-agent's dns (SOCKS proxies),
// client-node's readline (watches). Each is half a millisecond or so at every start. The bundle gets a stand-in with the module's own export names (read here, from the Node that builds)
// as getters that load the real module on first use, so the dependencies see the same shape.
const LAZY_BUILTINS = ['child_process', 'dns', 'readline', 'zlib'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(plugins) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    plugins.onResolve({ filter }, (args) =>
      args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    plugins.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const names = Object.getOwnPropertyNames(await import(`node:${args.path}`).then((m) => m.default));
      return {
        contents: [
          'let loaded;',
          `const load = () => (loaded ??= require(${JSON.stringify(`node:${args.path}`)}));`,
          `for (const name of ${JSON.stringify(names)}) {`,
          '  Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });',
          '}',
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

// The plugin is one minified CommonJS bundle that its executables run through V8's code cache
// (kubectl-plugin/code-cache.ts): Node 20 compiles ES modules from source on every start, which was most of a
// describe's own time, and loading one file costs no module resolution at all. The commands' dynamic imports stay
// lazy inside it (esbuild wraps each module in a function run on first import), so a command runs only its code.
const pluginBundle = await build({
  entryPoints: { 'kubectl-workflowrun': 'kubectl-plugin/entry.ts' },
  outdir: 'dist/chunks',
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Smaller source is less to read and hash when the cache is used, and less to parse when it is not. Names are
  // kept because some dependencies name their errors after their classes.
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  alias,
  plugins: [clientNodeGenIndex, lazyBuiltins],
  // A vm.Script has no ES module loader to answer import(): dynamic imports of Node's modules become require().
  supported: { 'dynamic-import': false },
});
const bundleFile = path.basename(
  Object.keys(pluginBundle.metafile.outputs).find((output) => output.endsWith('.cjs')),
);

// The executables kubectl runs: each loads the bundle (its file name carries a content hash, which keys the cache)
// and calls its main with the command line (kubectl-plugin/launch.ts).
const executables = {
  // `kubectl workflowrun ...` (see kubectl-plugin/entry.ts and commands/root.ts).
  'kubectl-workflowrun': 'process.argv.slice(2)',
  // kubectl (1.26+) runs it with the words typed after `kubectl workflowrun` to complete them; it answers exactly
  // as `kubectl-workflowrun __complete` does.
  'kubectl_complete-workflowrun': "['__complete', ...process.argv.slice(2)]",
};
const launchers = await Promise.all(
  Object.entries(executables).map(([name, argv]) =>
    build({
      stdin: {
        contents: [
          `import { launch } from ${JSON.stringify(path.resolve('kubectl-plugin/launch.ts'))};`,
          "import { pathToFileURL } from 'node:url';",
          `launch(pathToFileURL(__dirname + ${JSON.stringify(`/chunks/${bundleFile}`)}), ${argv});`,
        ].join('\n'),
        resolveDir: path.resolve('.'),
        sourcefile: `${name}.cjs`,
        loader: 'js',
      },
      outfile: `dist/${name}.cjs`,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
      banner: { js: '#!/usr/bin/env node' },
    }),
  ),
);
await Promise.all(Object.keys(executables).map((name) => chmod(`dist/${name}.cjs`, 0o755)));

const webhook = await build({
  entryPoints: { 'workflowrun-webhook': 'webhook/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  alias,
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
await chmod('dist/workflowrun-webhook.mjs', 0o755);

// kubectl discovers plugins by exact file name on PATH (`kubectl-workflowrun`, no extension): dist/bin holds those
// names as links, so `PATH=$PWD/dist/bin:$PATH` is enough to try the plugin from a checkout.
await mkdir('dist/bin', { recursive: true });
for (const name of Object.keys(executables)) {
  await rm(`dist/bin/${name}`, { force: true });
  await symlink(`../${name}.cjs`, `dist/bin/${name}`);
}

// Chunk names carry content hashes, so chunks of earlier builds would pile up beside the new ones; files of earlier
// builds' entries (the plugin's were once .mjs) would still run, from code of the past. They are removed after the
// build, not before, so a program running from dist/ meanwhile never finds its files missing.
const written = new Set(
  [pluginBundle, webhook, ...launchers]
    .flatMap((result) => Object.keys(result.metafile.outputs))
    .map((file) => path.resolve(file)),
);
for (const folder of ['dist', 'dist/chunks']) {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const file = path.resolve(folder, entry.name);
    if (entry.isFile() && !written.has(file)) await rm(file);
  }
}
