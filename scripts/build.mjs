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
  alias: { 'whatwg-url': './scripts/shims/whatwg-url.cjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
await Promise.all(Object.keys(entryPoints).map((name) => chmod(`dist/${name}.mjs`, 0o755)));

// kubectl discovers plugins by exact file name on PATH (`kubectl-workflowrun`, no extension): dist/bin holds those
// names as links, so `PATH=$PWD/dist/bin:$PATH` is enough to try the plugin from a checkout.
await mkdir('dist/bin', { recursive: true });
for (const name of ['kubectl-workflowrun', 'kubectl_complete-workflowrun']) {
  await rm(`dist/bin/${name}`, { force: true });
  await symlink(`../${name}.mjs`, `dist/bin/${name}`);
}

// Chunk names carry content hashes, so chunks of earlier builds would pile up beside the new ones. They are removed
// after the build, not before, so a program running from dist/ meanwhile never finds its files missing.
const written = new Set(Object.keys(result.metafile.outputs).map((file) => path.resolve(file)));
for (const file of await readdir('dist/chunks').catch(() => [])) {
  const chunk = path.resolve('dist/chunks', file);
  if (!written.has(chunk)) await rm(chunk);
}
