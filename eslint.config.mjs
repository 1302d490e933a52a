import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

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

/**
 * The layers of `src/`, one folder each, with the folders each may import (besides its own).
 * Imports only point down: the contract at the bottom; `src/cli`, the top, may import them all.
 */
const LAYERS = {
  contract: [],
  demo: ['contract'],
  host: ['contract'],
  http: ['contract'],
  codec: ['contract'],
  // Traces, metrics and logs: every Node-side layer reports through it.
  telemetry: ['contract'],
  // Type-only imports of the activities' signatures are allowed below.
  workflows: ['contract', 'activities'],
  activities: ['contract', 'http', 'telemetry'],
  client: ['contract', 'codec', 'telemetry'],
  worker: ['contract', 'activities', 'http', 'codec', 'telemetry'],
  gateway: ['contract', 'codec', 'client', 'telemetry'],
  dev: ['contract', 'host', 'demo', 'client', 'worker', 'telemetry'],
  cluster: ['contract', 'host', 'gateway', 'telemetry'],
};

const layerZones = Object.entries(LAYERS).map(([layer, below]) => ({
  target: `src/${layer}`,
  from: 'src',
  except: [layer, ...below].map((folder) => `./${folder}`),
  message: `src/${layer} may import only ${below.length ? below.join(', ') : 'its own files'}: imports point down the layers.`,
}));

export default tseslint.config(
  { ignores: ['node_modules', 'dist', '.tools', '.tandem', 'test-results', 'bin', 'scripts/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // The import rules see our TypeScript files only through a resolver that knows `.ts`.
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.mts', '.js', '.json'] }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            ...layerZones,
            {
              target: 'src/workflows',
              from: 'src/contract/config',
              message: 'Workflows get their policy as input, not from the config.',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox, and the bundle compiles the
    // contract's own files with it: no I/O, no Node built-ins, no HTTP client, no config
    // loading (config is passed in as the delivery plan). The config folder is Node-side.
    files: ['src/workflows/**/*.ts', 'src/contract/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', ...NODE_BUILTINS],
              message: 'Code in the workflow bundle must not use Node built-ins.',
            },
            {
              group: ['undici', 'yaml'],
              message: 'HTTP and config files are Node-side: workflows get their policy as input.',
            },
            {
              // Type-only imports (the activities' signatures) are erased from the bundle.
              group: [
                '@temporalio/activity',
                '@temporalio/client',
                '@temporalio/worker',
                '**/activities',
                '**/activities/*',
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
