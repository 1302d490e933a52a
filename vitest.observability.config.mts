import { defineConfig } from 'vitest/config';

/**
 * The observability tier (`npm run test:observability`): real Jaeger and Prometheus processes
 * (built by `npm run observability:install`) beside the shared Temporal dev server. Each file
 * starts the backends it needs on free ports; files run one at a time, as the backends are heavy
 * for two cores.
 */
export default defineConfig({
  test: {
    include: ['test/observability/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
