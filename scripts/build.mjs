// Bundles each program into one ESM file so that start-up does not pay for resolving hundreds of modules
// (importing @kubernetes/client-node unbundled costs about 0.45 s, bundled about 0.13 s).
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

const entryPoints = {
  'kubectl-workflowrun': 'kubectl-plugin/main.ts',
  'kubectl_complete-workflowrun': 'kubectl-plugin/complete.ts',
  'workflowrun-webhook': 'webhook/main.ts',
};

await build({
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
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
await Promise.all(Object.keys(entryPoints).map((name) => chmod(`dist/${name}.mjs`, 0o755)));
