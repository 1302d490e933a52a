import { loadConfig } from '../contract/config/load';
import { workerShutdownGraceMs, type TandemConfig } from '../contract/config/schema';
import { ConfigError } from '../contract/errors';
import { targetQueueOf } from '../contract/task-queues';

/** What `tandem config check --json` prints for a valid config. */
export interface ConfigSummary {
  readonly ok: true;
  readonly file: string;
  readonly address: string;
  readonly namespace: string;
  /** The workflow worker's queue (`temporal.taskQueue`). */
  readonly workflowTaskQueue: string;
  /** The Worker Deployment the workers join (`temporal.deployment.name`). */
  readonly deploymentName: string;
  /** How long a stopping worker lets in-flight attempts finish. */
  readonly shutdownGraceSeconds: number;
  /** Each target and the task queue its attempts run on (its own, or the workflow's). */
  readonly targets: readonly { name: string; taskQueue: string; bulkhead: boolean }[];
}

/** What `tandem config check --json` prints for an invalid config (it exits 1). */
export interface ConfigProblems {
  readonly ok: false;
  readonly file: string;
  /** Every problem, each by its path (`targets.inventory.retry.backoffCoefficient: …`). */
  readonly errors: readonly string[];
}

/** The summary of a valid config (see {@link ConfigSummary}). */
export function summarizeConfig(file: string, config: TandemConfig): ConfigSummary {
  return {
    ok: true,
    file,
    address: config.temporal.address,
    namespace: config.temporal.namespace,
    workflowTaskQueue: config.temporal.taskQueue,
    deploymentName: config.temporal.deployment.name,
    shutdownGraceSeconds: Math.ceil(workerShutdownGraceMs(config) / 1000),
    targets: Object.entries(config.targets).map(([name, target]) => ({
      name,
      taskQueue: targetQueueOf(config, name),
      bulkhead: target.bulkhead,
    })),
  };
}

/**
 * `tandem config check [FILE] [--json]`: validates a config as the worker and the gateway would,
 * connecting nowhere and reading no `${VAR}` (secrets are read when a target is called). A valid
 * config prints one line (or {@link ConfigSummary}); an invalid one throws the
 * {@link ConfigError} that lists every problem (exit 1), after printing {@link ConfigProblems}
 * with `--json`.
 */
export async function checkConfig(
  file: string,
  options: { json?: boolean },
  print: (line: string) => void,
): Promise<void> {
  let config: TandemConfig;
  try {
    config = await loadConfig(file);
  } catch (error) {
    if (options.json && error instanceof ConfigError) {
      print(JSON.stringify({ ok: false, file, errors: error.issues } satisfies ConfigProblems));
    }
    throw error;
  }
  const summary = summarizeConfig(file, config);
  if (options.json) {
    print(JSON.stringify(summary, null, 2));
    return;
  }
  const targets = summary.targets.map((t) => `${t.name} on ${t.taskQueue}`).join(', ');
  print(
    `${file}: valid. Targets: ${targets}; workflows on ${summary.workflowTaskQueue}; ` +
      `namespace ${summary.namespace} at ${summary.address}`,
  );
}
