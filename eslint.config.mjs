import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

/** Node built-ins by their bare names (`node:*` covers the prefixed form). */
const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dns',
  'events',
  'fs',
  'fs/*',
  'http',
  'https',
  'http2',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', '.tools', '.tandem', 'test-results', 'bin', 'scripts/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node built-ins,
    // no HTTP client and no config loading (config is passed in as the delivery plan).
    // The list is every module the workflow bundle may import; keep it in step with theirs.
    files: [
      'src/workflows/**/*.ts',
      'src/contracts.ts',
      'src/operator-actions.ts',
      'src/failures.ts',
      'src/duration.ts',
      'src/limits.ts',
      'src/search-attributes.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', ...NODE_BUILTINS],
              message: 'Code in the workflow bundle must not use Node built-ins.',
            },
            { group: ['undici', '**/http/*', '**/http'], message: 'HTTP belongs in activities.' },
            {
              group: ['**/config/*', '**/config', 'yaml'],
              message: 'Workflows get their policy as input.',
            },
            {
              // Type-only imports (the activities' signatures) are erased from the bundle.
              group: [
                '@temporalio/activity',
                '@temporalio/client',
                '@temporalio/worker',
                '**/activities',
                '**/activities/*',
                '**/plan',
                '**/fingerprint',
                '**/template',
                '**/errors',
                '**/client',
                '**/worker',
              ],
              allowTypeImports: true,
              message: 'Node-side modules stay out of the workflow bundle: import types only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
