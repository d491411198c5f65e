// Bundles each program into one ESM file so that start-up does not pay for resolving hundreds of modules
// (importing @kubernetes/client-node unbundled costs about 0.45 s, bundled about 0.13 s).
import { build } from 'esbuild';
import { chmod, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

const entryPoints = {
  'kubectl-workflowrun': 'kubectl-plugin/main.ts',
  'kubectl_complete-workflowrun': 'kubectl-plugin/complete.ts',
  'workflowrun-webhook': 'webhook/main.ts',
};

const alias = { 'whatwg-url': './scripts/shims/whatwg-url.cjs' };

// Modules the plugin loads with a dynamic import that are mostly library code: each is bundled on its own as
// minified CommonJS, and the import is answered by a stub that runs it through V8's code cache
// (kubectl-plugin/code-cache.ts). Compiling client-node from source is about half of a describe's own time.
const codeCached = { 'kube-client': 'kubectl-plugin/kube-client.ts' };

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

const cachedBundles = await build({
  entryPoints: codeCached,
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
  plugins: [clientNodeGenIndex],
});

/** The stub that stands for a code-cached module in the ESM build: the module's exports, from its CommonJS bundle. */
async function codeCacheStub(name, file) {
  const bundle = Object.entries(cachedBundles.metafile.outputs).find(
    ([, output]) => output.entryPoint === file,
  )[0];
  // The stub's exports are the module's own, read off an unbundled ESM build of it.
  const { metafile } = await build({
    entryPoints: [file],
    write: false,
    outdir: 'dist',
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
  });
  const names = Object.values(metafile.outputs).find((output) => output.entryPoint === file).exports;
  return [
    `import { cacheDirectory, loadCommonJS } from ${JSON.stringify(path.resolve('kubectl-plugin/code-cache.ts'))};`,
    // Dynamic imports become chunks in dist/chunks, beside the bundle (checked after the build).
    `const loaded = loadCommonJS(new URL(${JSON.stringify(`./${path.basename(bundle)}`)}, import.meta.url), ${JSON.stringify(name)}, cacheDirectory());`,
    ...names.map((exported) => `export const ${exported} = loaded.${exported};`),
  ].join('\n');
}

const codeCachePlugin = {
  name: 'code-cache',
  setup(plugins) {
    const byPath = new Map(
      Object.entries(codeCached).map(([name, file]) => [path.resolve(file), { name, file }]),
    );
    plugins.onResolve({ filter: /\.ts$/ }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path);
      return byPath.has(resolved) ? { path: resolved, namespace: 'code-cache' } : undefined;
    });
    plugins.onLoad({ filter: /.*/, namespace: 'code-cache' }, async (args) => {
      const { name, file } = byPath.get(args.path);
      return { contents: await codeCacheStub(name, file), loader: 'js', resolveDir: path.resolve('.') };
    });
  },
};

const result = await build({
  entryPoints,
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
  plugins: [codeCachePlugin],
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
await Promise.all(Object.keys(entryPoints).map((name) => chmod(`dist/${name}.mjs`, 0o755)));
for (const [output, { inputs }] of Object.entries(result.metafile.outputs)) {
  if (
    Object.keys(inputs).some((input) => input.startsWith('code-cache:')) &&
    path.dirname(output) !== 'dist/chunks'
  ) {
    throw new Error(`${output}: a code-cache stub must land in dist/chunks, beside the bundle it loads`);
  }
}

// kubectl discovers plugins by exact file name on PATH (`kubectl-workflowrun`, no extension): dist/bin holds those
// names as links, so `PATH=$PWD/dist/bin:$PATH` is enough to try the plugin from a checkout.
await mkdir('dist/bin', { recursive: true });
for (const name of ['kubectl-workflowrun', 'kubectl_complete-workflowrun']) {
  await rm(`dist/bin/${name}`, { force: true });
  await symlink(`../${name}.mjs`, `dist/bin/${name}`);
}

// Chunk names carry content hashes, so chunks of earlier builds would pile up beside the new ones. They are removed
// after the build, not before, so a program running from dist/ meanwhile never finds its files missing.
const written = new Set(
  [...Object.keys(result.metafile.outputs), ...Object.keys(cachedBundles.metafile.outputs)].map((file) =>
    path.resolve(file),
  ),
);
for (const file of await readdir('dist/chunks').catch(() => [])) {
  const chunk = path.resolve('dist/chunks', file);
  if (!written.has(chunk)) await rm(chunk);
}
