import { defineConfig } from 'vitest/config';

/**
 * The deploy tier (`npm run test:deploy`): the Helm chart in deploy/helm/tandem rendered and
 * checked offline with the tools `npm run deploy:install` puts in the cache (Helm, kubeconform,
 * Kubernetes' and KEDA's schemas). No cluster and no Temporal server.
 */
export default defineConfig({
  test: {
    include: ['test/deploy/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
