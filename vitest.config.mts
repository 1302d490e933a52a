import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The cluster and observability tiers have their own configs (vitest.*.config.mts).
    exclude: [...configDefaults.exclude, 'test/cluster/**', 'test/observability/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Files run in separate processes against the one shared dev server; two at a time fits
    // two cores without starving the server.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
