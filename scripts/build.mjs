// Bundles each program with its dependencies so that start-up does not pay for resolving hundreds of modules
// (importing @kubernetes/client-node unbundled costs about 0.45 s, bundled about 0.13 s): the webhook as ES modules,
// the kubectl plugin as one code-cached CommonJS file behind two small executables.
import { build } from 'esbuild';
import { chmod, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

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

// Modules the plugin's dependencies load when they load but a command rarely uses. Node's own: commander's
// child_process (for executable subcommands, which the plugin has none of), node-fetch's zlib (compressed answers),
// socks-proxy-agent's dns (SOCKS proxies), client-node's readline (watches). client-node's packages for proxies and
// auth providers: socks-proxy-agent (with ip-address, about 1.3 ms), hpagent, openid-client (oidc) and
// jsonpath-plus (gcp, azure). Each is a millisecond or so at every start, for a kubeconfig that seldom needs it.
// The bundle gets a stand-in with the module's own export names (read here, from the module as this Node loads it)
// as getters that load the real module on first use, so the dependencies see the same shape.
const LAZY_BUILTINS = ['child_process', 'dns', 'readline', 'zlib'];
const LAZY_PACKAGES = ['socks-proxy-agent', 'hpagent', 'openid-client', 'jsonpath-plus'];
// client-node's ExecAuth keeps child_process.spawn when KubeConfig is made, long before (and mostly without) running
// a credential plugin: these functions stand in as wrappers that load the module on their first call.
const CALLED_LATER = { child_process: ['spawn', 'spawnSync'] };

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const lazyModules = {
  name: 'lazy-modules',
  setup(plugins) {
    const names = [...LAZY_BUILTINS, ...LAZY_PACKAGES].map(escapeRegExp).join('|');
    plugins.onResolve({ filter: new RegExp(`^(node:)?(${names})$`) }, (args) => {
      // The stand-in's own require of the real module: Node's module itself, or the package resolved as usual.
      if (args.namespace === 'lazy-module') return { path: args.path, external: true };
      if (args.pluginData?.real) return undefined;
      return {
        path: args.path.replace(/^node:/, ''),
        namespace: 'lazy-module',
        pluginData: { resolveDir: args.resolveDir },
      };
    });
    plugins.onLoad({ filter: /.*/, namespace: 'lazy-module' }, async (args) => {
      let specifier = `node:${args.path}`;
      if (!LAZY_BUILTINS.includes(args.path)) {
        const resolved = await plugins.resolve(args.path, {
          kind: 'import-statement',
          resolveDir: args.pluginData.resolveDir,
          pluginData: { real: true },
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        specifier = resolved.path;
      }
      const real = await exportsAsRequired(specifier);
      const calledLater = CALLED_LATER[args.path] ?? [];
      return {
        contents: [
          'let loaded;',
          `const load = () => (loaded ??= require(${JSON.stringify(specifier)}));`,
          // As the real module marks itself, so that a default import reads what it would read from the module.
          ...(real.esModule ? ['Object.defineProperty(exports, "__esModule", { value: true });'] : []),
          `for (const name of ${JSON.stringify(real.names)}) {`,
          `  const get = ${JSON.stringify(calledLater)}.includes(name)`,
          '    ? ((wrapper) => () => wrapper)(function (...args) { return load()[name].apply(this, args); })',
          '    : () => load()[name];',
          '  Object.defineProperty(exports, name, { enumerable: true, get });',
          '}',
        ].join('\n'),
        loader: 'js',
        resolveDir: args.pluginData.resolveDir,
      };
    });
  },
};

/** The names a bundled require() of the module sees, and whether it is (or poses as) an ES module. */
async function exportsAsRequired(specifier) {
  try {
    // Node 20.19 and later require() an ES module too, and answer with its namespace object.
    const exported = createRequire(import.meta.url)(specifier);
    return {
      names: Object.keys(exported).filter((name) => name !== '__esModule'),
      esModule: Boolean(exported.__esModule) || exported[Symbol.toStringTag] === 'Module',
    };
  } catch (err) {
    // Earlier Node 20 refuses to.
    if (err.code !== 'ERR_REQUIRE_ESM') throw err;
    return { names: Object.keys(await import(pathToFileURL(specifier).href)), esModule: true };
  }
}

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
  plugins: [clientNodeGenIndex, lazyModules],
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
