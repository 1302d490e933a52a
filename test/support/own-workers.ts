import { inject } from 'vitest';
import type { Resolver } from '../../src/http/egress';
import { createWorkers } from '../../src/worker/worker';
import type { System } from './system';

/**
 * Starts workers over a system's config (one started with `workers: false`) with an
 * environment and a DNS resolver of the test's own. Resolves to a function that stops them.
 */
export async function startOwnWorkers(
  system: System,
  options: { env: Record<string, string>; resolve?: Resolver },
): Promise<() => Promise<void>> {
  const workers = await createWorkers({
    config: system.config,
    connection: system.nativeConnection,
    env: options.env,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    workerOptions: { maxCachedWorkflows: 0 },
    ...(options.resolve && { resolve: options.resolve }),
  });
  const done = workers.run();
  return async () => {
    workers.shutdown();
    await done;
  };
}
