/**
 * Which task queue each part of Tandem runs on, and which of them one worker process serves. The
 * client (where a leg's attempts are scheduled), the worker (what it polls), `tandem config
 * check` and the Helm chart's tests all read the rule here.
 */
import type { TandemConfig } from './config/schema';
import { targetTaskQueue } from './contracts';
import { WorkerPartsError } from './errors';

/** A task queue a worker polls, and for what. */
export interface PolledQueue {
  readonly name: string;
  readonly type: 'workflow' | 'activity';
}

/**
 * The task queue of a target's attempts and compensations: its own (`<taskQueue>.<target>`,
 * the bulkhead), or the workflow's when the target has `bulkhead: false`.
 */
export function targetQueueOf(config: TandemConfig, target: string): string {
  return config.targets[target]?.bulkhead === false
    ? config.temporal.taskQueue
    : targetTaskQueue(config.temporal.taskQueue, target);
}

/**
 * The workers one process runs: the workflow worker (which also runs the target controllers'
 * activities and the attempts of every target with `bulkhead: false`) and the activity workers
 * of `targets`.
 */
export interface WorkerParts {
  readonly workflows: boolean;
  /** Targets whose own activity worker runs here (each has `bulkhead` on). */
  readonly targets: readonly string[];
}

/** Every worker: the workflow worker and one per bulkheaded target (`tandem worker` alone). */
export function allWorkerParts(config: TandemConfig): WorkerParts {
  return {
    workflows: true,
    targets: Object.keys(config.targets).filter((name) => config.targets[name]!.bulkhead),
  };
}

/**
 * The parts asked for by `--workflows` and `--targets`: neither means all; either alone means
 * only that. Throws {@link WorkerPartsError} naming each target the config does not declare or
 * that has no worker of its own (`bulkhead: false`), before anything starts.
 */
export function workerPartsOf(
  config: TandemConfig,
  asked: { readonly workflows?: boolean; readonly targets?: readonly string[] },
): WorkerParts {
  if (!asked.workflows && asked.targets === undefined) return allWorkerParts(config);
  const targets = [...new Set(asked.targets ?? [])];
  const unknown = targets.filter((name) => !(name in config.targets));
  const shared = targets.filter((name) => config.targets[name]?.bulkhead === false);
  if (unknown.length > 0 || shared.length > 0) {
    throw new WorkerPartsError(unknown, shared, Object.keys(config.targets));
  }
  return { workflows: asked.workflows === true, targets };
}

/** Every queue the workers of `parts` poll, each once per kind of task. */
export function queuesOf(config: TandemConfig, parts: WorkerParts): PolledQueue[] {
  const workflowQueue = config.temporal.taskQueue;
  // The workflow worker also runs the target controllers' activities (and those of every
  // target with `bulkhead: false`) on the workflow's queue.
  const workflowParts = [
    { name: workflowQueue, type: 'workflow' },
    { name: workflowQueue, type: 'activity' },
  ] as const;
  return [
    ...(parts.workflows ? workflowParts : []),
    ...parts.targets.map((target) => ({
      name: targetTaskQueue(workflowQueue, target),
      type: 'activity' as const,
    })),
  ];
}
