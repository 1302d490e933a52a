import { defineConfig } from 'vitest/config';

/**
 * The cluster tier (`npm run test:cluster`): one local Temporal cluster (PostgreSQL, four
 * services, mTLS) for every file. Files run one at a time: fault tests kill the cluster's
 * processes, which every other test would feel.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
