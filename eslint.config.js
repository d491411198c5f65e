import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The architecture's rules, enforced here rather than only described: the core knows nothing of HTTP, the command
// line or the Kubernetes client; the webhook and the plugin share only the core, and only through its two faces
// (core/index.ts, light, and core/engine.ts, heavy).
const CLIENT_AND_TRANSPORT = [
  { name: 'express', message: 'core/ has no HTTP: it is shared by the webhook and the plugin.' },
  { name: 'commander', message: 'core/ has no command line.' },
  { name: 'node:http', message: 'core/ has no HTTP.' },
  { name: 'node:https', message: 'core/ has no HTTP.' },
  { name: 'http', message: 'core/ has no HTTP.' },
  { name: 'https', message: 'core/ has no HTTP.' },
  { name: '@kubernetes/client-node', message: 'core/ does not talk to the API server.' },
];
const CORE_INTERNALS = {
  group: ['**/core/*', '!**/core/index.ts', '!**/core/engine.ts'],
  message: 'Import the core through its faces: core/index.ts (light) or core/engine.ts (heavy).',
};
// Dynamic imports are not covered by no-restricted-imports.
const DYNAMIC_CORE_INTERNAL = {
  selector: 'ImportExpression[source.value=/core.(?!index[.]ts$|engine[.]ts$)[^.]+[.]ts$/]',
  message: 'Import the core through its faces: core/index.ts (light) or core/engine.ts (heavy).',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'charts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: CLIENT_AND_TRANSPORT,
          patterns: [
            { group: ['@kubernetes/client-node/*'], message: 'core/ does not talk to the API server.' },
            {
              group: ['**/webhook/**', '**/kubectl-plugin/**', '**/local-cluster/**', '**/test/**'],
              message: 'core/ is the bottom layer: it imports nothing of the programs built on it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['webhook/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            CORE_INTERNALS,
            { group: ['**/kubectl-plugin/**'], message: 'The webhook and the plugin share only core/.' },
          ],
        },
      ],
      'no-restricted-syntax': ['error', DYNAMIC_CORE_INTERNAL],
    },
  },
  {
    files: ['kubectl-plugin/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            CORE_INTERNALS,
            { group: ['**/webhook/**'], message: 'The webhook and the plugin share only core/.' },
          ],
        },
      ],
      'no-restricted-syntax': ['error', DYNAMIC_CORE_INTERNAL],
    },
  },
  {
    // mocha loads reporters with require(), so the reporter stays CommonJS.
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', globalThis: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
