import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The cluster, observability and deploy tiers have their own configs (vitest.*.config.mts).
    exclude: [
      ...configDefaults.exclude,
      'test/cluster/**',
      'test/observability/**',
      'test/deploy/**',
    ],
    globalSetup: ['test/support/global-setup.ts'],
    // Files run in separate processes against the one shared dev server. Three at a time on two
    // cores: much of a test is waiting on the server, timers and child processes (measured on a
    // quiet machine: 2 forks 299 s, 3 forks 242 s, 4 forks 269 s).
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
