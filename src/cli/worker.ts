import type { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../contract/config/load';
import { describeTemporal } from '../client/connection';
import { workerPartsOf } from '../contract/task-queues';
import { createWorkers } from '../worker/worker';
import { describeMetricsExport, metricsExport, runtimeMetricsOptions } from '../telemetry/metrics';
import { installRuntime } from '../telemetry/runtime';
import {
  parseBuildId,
  PromotePolicy,
  promoteCommand,
  versionName,
  type VersionStanding,
} from '../worker/worker-version';
import { createLogger } from '../telemetry/log';
import { connectNative } from './connect';

/** Options of {@link runWorker}. */
export interface WorkerCommandOptions {
  /** Make this worker's version current even when another one is (`--promote`). */
  promote?: boolean;
  /** Where to serve Prometheus metrics (`HOST:PORT` or `off`; `--metrics-address`). */
  metricsAddress?: string;
  /** Run the workflow worker (`--workflows`); with neither this nor `targets`, run every worker. */
  workflows?: boolean;
  /** Run only these targets' activity workers (`--targets a,b`). */
  targets?: readonly string[];
}

/** The environment variable that names the build id instead of the workflow bundle's hash. */
const BUILD_ID_ENV = 'TANDEM_BUILD_ID';

/** What `tandem worker` says about its version: which it serves, which is current, what to do. */
export function versionLines(
  standing: VersionStanding,
  where: { address: string; namespace: string },
): string[] {
  const serving = versionName(standing.serving);
  if (standing.current?.buildId === standing.serving.buildId) {
    return [
      `tandem worker: serving ${serving}, the current version${standing.promoted ? ' (promoted now)' : ''}: new deliveries start here`,
    ];
  }
  const current = standing.current === undefined ? 'none' : versionName(standing.current);
  return [
    `tandem worker: serving ${serving}; the current version is ${current}, so this worker takes only the runs pinned to ${serving}`,
    `tandem worker: to send new deliveries here: ${promoteCommand(standing.serving, where)} (or restart with --promote)`,
  ];
}

/**
 * `tandem worker`: validates the config before connecting (a bad config starts nothing), then
 * runs the workers until SIGINT/SIGTERM, when in-flight attempts are let finish. Its version
 * becomes current when the deployment has none yet, or with `--promote`. Its metrics (the SDK's
 * and Tandem's) are served as `metricsExport` says, before it connects.
 */
export async function runWorker(
  configPath: string,
  env: Readonly<Record<string, string | undefined>>,
  options: WorkerCommandOptions = {},
): Promise<void> {
  const logger = createLogger({ env, destination: 'stdout' });
  const config = await loadConfig(configPath);
  // Checked against the config before anything starts: a wrong name is a usage error.
  const parts = workerPartsOf(config, {
    ...(options.workflows && { workflows: true }),
    ...(options.targets !== undefined && { targets: options.targets }),
  });
  const givenBuildId = env[BUILD_ID_ENV];
  const buildId = givenBuildId === undefined ? undefined : parseBuildId(givenBuildId, BUILD_ID_ENV);
  const metrics = await metricsExport(env, {
    ...(options.metricsAddress !== undefined && { address: options.metricsAddress }),
  });
  // Before the connection: the Runtime takes its logger and metrics once, when it is first made.
  installRuntime({ logger, metrics: runtimeMetricsOptions(metrics, env) });
  const connection: NativeConnection = await connectNative(config.temporal, env);
  try {
    const workers = await createWorkers({
      config,
      connection,
      env,
      ...(buildId !== undefined && { buildId }),
      promote: options.promote ? PromotePolicy.always : PromotePolicy.ifNone,
      parts,
    });
    const queues = [...new Set(workers.queues.map((queue) => queue.name))];
    const running = workers.run();
    // Awaited below; until then a worker that fails must not count as an unhandled rejection.
    running.catch(() => undefined);
    let standing: VersionStanding;
    try {
      standing = await workers.ready;
    } catch (error) {
      // The workers have stopped; a worker's failure, if any, is the cause to report.
      await running;
      throw error;
    }
    const fields = {
      task_queues: queues,
      deployment: standing.serving.deploymentName,
      build_id: standing.serving.buildId,
    };
    for (const line of versionLines(standing, config.temporal)) logger.info(fields, line);
    logger.info(fields, `tandem worker: ${describeMetricsExport(metrics)}`);
    logger.info(
      fields,
      `tandem worker: polling ${queues.join(', ')} on ${describeTemporal(config.temporal)} (Ctrl-C stops after in-flight attempts)`,
    );
    await running;
    logger.info(fields, 'tandem worker: stopped');
  } finally {
    await connection.close();
  }
}
