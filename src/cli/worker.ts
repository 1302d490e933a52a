import type { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../contract/config/load';
import { describeTemporal } from '../client/connection';
import { targetTaskQueue } from '../contract/contracts';
import { createWorkers } from '../worker/worker';
import { connectNative } from './connect';

/**
 * `tandem worker`: validates the config before connecting (a bad config starts nothing), then
 * runs the workers until SIGINT/SIGTERM, when in-flight attempts are let finish.
 */
export async function runWorker(
  configPath: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const config = await loadConfig(configPath);
  const connection: NativeConnection = await connectNative(config.temporal, env);
  try {
    const workers = await createWorkers({ config, connection, env });
    const queues = [
      config.temporal.taskQueue,
      ...Object.entries(config.targets)
        .filter(([, target]) => target.bulkhead)
        .map(([name]) => targetTaskQueue(config.temporal.taskQueue, name)),
    ];
    console.log(
      `tandem worker: polling ${queues.join(', ')} on ${describeTemporal(config.temporal)} (Ctrl-C stops after in-flight attempts)`,
    );
    await workers.run();
  } finally {
    await connection.close();
  }
}
