import path from 'node:path';
import type { NativeConnection } from '@temporalio/worker';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import {
  ResourceBasedController,
  Runtime,
  Worker,
  type InjectedSinks,
  type WorkerOptions,
} from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { createActivities } from '../activities';
import { createControllerActivities } from '../activities/target-control';
import {
  attemptOutcomesSignal,
  configureSignal,
  controllerStart,
  TARGET_CONTROLLER_WORKFLOW,
} from '../contract/target-control';
import { targetSettings } from '../contract/config/target-settings';
import { RunPayloads } from '../activities/run-payloads';
import { dataConverterOf, payloadCipherFrom } from '../codec/data-converter';
import { egressPolicyFor } from '../http/egress-policy';
import {
  DEFAULT_SLOTS_PER_TARGET,
  workerShutdownGraceMs,
  type TandemConfig,
} from '../contract/config/schema';
import type { DeliverySinks } from '../contract/contracts';
import {
  allWorkerParts,
  queuesOf,
  targetQueueOf,
  type PolledQueue,
  type WorkerParts,
} from '../contract/task-queues';
import { HttpClient } from '../http/client';
import type { Resolver } from '../http/egress';
import { attemptLogInterceptors } from '../telemetry/log-attributes';
import { checkSearchAttributes } from './namespace-check';
import { attemptMeter } from '../telemetry/metrics';
import { activityTracing, workflowSpanSinks } from '../telemetry/tracing-worker';
import { BreakerReports } from './breaker-reports';
import { bundleFor, workflowCode } from './workflow-bundle';
import {
  buildIdOf,
  settleVersion,
  PromotePolicy,
  type VersionStanding,
  versionName,
  WorkerVersionError,
} from './worker-version';

/**
 * Where the workflow bundle's entry point is; a worker without a prebuilt bundle bundles it at
 * start. Named with this file's own extension so it resolves from source (`.ts`) and from the
 * build (`.js`) alike.
 */
export const workflowsPath = path.join(
  __dirname,
  '..',
  'workflows',
  `index${path.extname(__filename)}`,
);

/** Options of {@link createWorkers}. */
export interface TandemWorkerOptions {
  config: TandemConfig;
  connection: NativeConnection;
  /** The environment `${VAR}` secrets are read from. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * A prebuilt workflow bundle (tests build it once). Default: the one `npm run build` wrote
   * beside this module, else bundled from source at start. With a `codec` section it must be
   * built with `failureConverterPath: FAILURE_CONVERTER_PATH`, or the workflow's failure
   * messages stay in plain text.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * The build id of this process's deployment version (`TANDEM_BUILD_ID`). Default: derived from
   * the workflow bundle (see `buildIdOf`), so only a change of workflow code makes a new version.
   */
  buildId?: string;
  /** When this version becomes current; default `if-none` (a first deploy, a fresh server). */
  promote?: PromotePolicy;
  /** How the egress fence resolves host names. Default: the system's DNS (tests use a stub). */
  resolve?: Resolver;
  /**
   * Which workers this process runs (`tandem worker --workflows`, `--targets`). Default: the
   * workflow worker and one per bulkheaded target.
   */
  parts?: WorkerParts;
  /**
   * Attempts one target may have in flight at once on this worker, over the config's
   * `worker.slots.perTarget`. Unused when the config sets `worker.tuner`.
   */
  concurrencyPerTarget?: number;
  /**
   * Passed to every worker; tests use it for identity, caching and sticky timeouts, the
   * benchmark for poller behaviour.
   */
  workerOptions?: Partial<
    Pick<
      WorkerOptions,
      | 'identity'
      | 'maxCachedWorkflows'
      | 'stickyQueueScheduleToStartTimeout'
      | 'shutdownGraceTime'
      | 'workflowTaskPollerBehavior'
      | 'activityTaskPollerBehavior'
    >
  >;
}

/**
 * The workers of one process: one for workflows, one per target (a bulkhead each), all of one
 * deployment version, so the activities of a run pinned to it find pollers of that version.
 */
export interface TandemWorkers {
  /** The deployment version every worker of this process serves. */
  readonly version: WorkerDeploymentVersion;
  /** Every task queue this process's workers poll. */
  readonly queues: readonly PolledQueue[];
  /**
   * Runs every worker until shutdown and settles their version meanwhile (see {@link ready});
   * rejects if a worker fails or the version cannot be settled (the workers are then stopped).
   */
  run(): Promise<void>;
  /**
   * Settles once {@link run} has started and the server knows this version with every queue it
   * polls: the version was made current as {@link TandemWorkerOptions.promote} says, and this
   * tells where it stands. A versioned worker gets new deliveries only while its version is
   * current; the runs pinned to it, always. Rejects when the workers stop first.
   */
  readonly ready: Promise<VersionStanding>;
  /** Stops polling and lets in-flight attempts finish (within the shutdown grace time). */
  shutdown(): void;
}

/**
 * Creates the workflow worker and one activity worker per configured target, each on its
 * own task queue so a slow or dead target cannot take the slots another target's legs need.
 * A target with `bulkhead: false` has no worker of its own: the workflow worker runs its attempts.
 * `parts` narrows that to some of them (a Kubernetes Deployment per group of targets).
 */
export async function createWorkers(options: TandemWorkerOptions): Promise<TandemWorkers> {
  const { config, connection } = options;
  const namespace = config.temporal.namespace;
  const http = new HttpClient({
    egress: egressPolicyFor(config, options.env),
    ...(options.resolve && { resolve: options.resolve }),
  });
  // Validated before any worker starts: a missing or malformed key starts nothing.
  const cipher = payloadCipherFrom(config, options.env);
  await checkSearchAttributes(connection, namespace);
  const encrypting = cipher !== undefined;
  const code = await workflowCode(
    options.workflowBundle ?? bundleFor(encrypting, options.env, __dirname),
    workflowsPath,
    encrypting,
  );
  const version = {
    deploymentName: config.temporal.deployment.name,
    buildId: options.buildId ?? buildIdOf(code),
  };
  // Tracing outermost, so the attempt's log lines carry its span's ids.
  const activityInterceptors = [...activityTracing(), ...attemptLogInterceptors()];
  const shared = {
    connection,
    namespace,
    // Pinned: a run finishes on the code that started it; a new version gets new runs only.
    workerDeploymentOptions: {
      version,
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    },
    dataConverter: dataConverterOf(cipher),
    interceptors: { activity: activityInterceptors },
    shutdownGraceTime: workerShutdownGraceMs(config),
    ...(config.worker?.cachedRuns !== undefined && {
      maxCachedWorkflows: config.worker.cachedRuns,
    }),
    ...options.workerOptions,
  } as const;
  const controllers = new Client({
    connection,
    namespace,
    ...(shared.dataConverter && { dataConverter: shared.dataConverter }),
  });
  const taskQueue = config.temporal.taskQueue;
  // Signal-with-start: a report reaches the target's controller even before it runs.
  const reports = new BreakerReports(
    async (target, outcomes) => {
      await controllers.workflow.signalWithStart(TARGET_CONTROLLER_WORKFLOW, {
        ...controllerStart(taskQueue, target, targetSettings(config, target)),
        signal: attemptOutcomesSignal,
        signalArgs: [outcomes],
      });
    },
    (message, fields) => {
      Runtime.instance().logger.warn(message, fields);
    },
  );
  const payloads = new RunPayloads(connection.workflowService, {
    codecs: cipher === undefined ? [] : [cipher],
  });
  const activities = createActivities({
    config,
    http,
    env: options.env,
    payloadOfRun: () => payloads.current(),
    // The runtime's meter: served with the SDK's own metrics wherever the runtime sends them.
    measure: reports.measuring(attemptMeter(Runtime.instance().metricMeter)),
  });
  const controllerActivities = createControllerActivities({
    workflowService: connection.workflowService,
    namespace,
    taskQueue: config.temporal.taskQueue,
    dataConverter: loadDataConverter(shared.dataConverter),
    identity: options.workerOptions?.identity ?? `tandem worker ${process.pid}`,
  });
  const slots = slotsOf(config, options.concurrencyPerTarget);
  const parts = options.parts ?? allWorkerParts(config);
  // Targets with `bulkhead: false` run on the workflow's queue, so its worker serves them too.
  const sharing = Object.values(config.targets).filter((target) => !target.bulkhead).length;
  const queues = queuesOf(config, parts);

  const workers = await Promise.all([
    ...(parts.workflows
      ? [
          Worker.create({
            ...shared,
            taskQueue: config.temporal.taskQueue,
            sinks: {
              payloads: {
                keep: { fn: (info, payload: unknown) => payloads.keep(info.runId, payload) },
              },
              ...workflowSpanSinks(),
            } satisfies InjectedSinks<DeliverySinks>,
            workflowBundle: { code },
            // The target controllers' activities, and those of targets without a bulkhead.
            activities: { ...controllerActivities, ...(sharing > 0 && activities) },
            ...slots.workflows(sharing),
          }),
        ]
      : []),
    ...parts.targets.map((target) =>
      Worker.create({
        ...shared,
        taskQueue: targetQueueOf(config, target),
        activities,
        ...slots.target,
      }),
    ),
  ]);

  // Ends a promotion still waiting for the version to show up once the workers stop.
  const stopped = new AbortController();
  const shutdown = () => {
    for (const worker of workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  };
  let settled: (standing: VersionStanding) => void = () => undefined;
  let unsettled: (error: unknown) => void = () => undefined;
  const ready = new Promise<VersionStanding>((resolve, reject) => {
    settled = resolve;
    unsettled = reject;
  });
  // Not every caller waits for it; run() reports a failure to settle too.
  ready.catch(() => undefined);
  return {
    version,
    queues,
    ready,
    shutdown,
    async run() {
      reports.start();
      const working = Promise.all(
        workers.map((worker) =>
          worker.run().catch((error: unknown) => {
            shutdown();
            throw error;
          }),
        ),
      ).finally(() =>
        stopped.abort(
          new WorkerVersionError(
            version,
            `The workers of ${versionName(version)} stopped before their version was settled.`,
          ),
        ),
      );
      const settling = settleVersion({
        connection,
        namespace,
        version,
        queues,
        policy: options.promote ?? PromotePolicy.ifNone,
        signal: stopped.signal,
      })
        .then(async (standing) => {
          // The workflow worker runs the controllers, so it is the one that starts them.
          if (parts.workflows) await startControllers(config, controllers);
          settled(standing);
        })
        .catch((error: unknown) => {
          unsettled(error);
          // Stopped workers end the wait: not a failure of its own.
          if (stopped.signal.aborted) return;
          shutdown();
          throw error;
        });
      try {
        const [workersEnded, versionSettled] = await Promise.allSettled([working, settling]);
        // A worker that failed is the cause of whatever else went wrong.
        if (workersEnded.status === 'rejected') throw workersEnded.reason;
        if (versionSettled.status === 'rejected') throw versionSettled.reason;
      } finally {
        // The attempts have ended: what they taught the breakers is reported before the end.
        await reports.stop();
        await http.close();
      }
    },
  };
}

/** The slot options of each kind of worker: a tuner's, or fixed counts (see {@link slotsOf}). */
type SlotOptions = Pick<
  WorkerOptions,
  'tuner' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions'
>;

/**
 * How many tasks each worker of this process runs at once, from the config's `worker` section.
 * A tuner replaces every fixed count (the SDK refuses both), and one controller serves all the
 * process's workers, so together they stay under one CPU and memory target rather than each
 * aiming at it alone.
 */
function slotsOf(
  config: TandemConfig,
  perTargetOverride: number | undefined,
): { target: SlotOptions; workflows(sharing: number): SlotOptions } {
  const tuner = config.worker?.tuner;
  if (tuner !== undefined) {
    const controller = ResourceBasedController.create({
      targetCpuUsage: tuner.targetCpu,
      targetMemoryUsage: tuner.targetMemory,
    });
    const options = { tuner: { controller } };
    return { target: options, workflows: () => options };
  }
  const fixed = config.worker?.slots;
  const perTarget = perTargetOverride ?? fixed?.perTarget ?? DEFAULT_SLOTS_PER_TARGET;
  return {
    target: { maxConcurrentActivityTaskExecutions: perTarget },
    // Targets without a bulkhead run their attempts here: each brings its share of slots.
    workflows: (sharing) => ({
      ...(fixed?.workflowTasks !== undefined && {
        maxConcurrentWorkflowTaskExecutions: fixed.workflowTasks,
      }),
      ...(sharing > 0 && { maxConcurrentActivityTaskExecutions: perTarget * sharing }),
    }),
  };
}

/**
 * Starts the controller of each target that is not running yet, and tells each what this
 * worker's config says of it (its rate limit, whether it has a queue of its own): signal-with-start,
 * so the one controller of a target is used whichever worker comes first.
 */
async function startControllers(config: TandemConfig, client: Client): Promise<void> {
  const { taskQueue } = config.temporal;
  await Promise.all(
    Object.keys(config.targets).map((target) => {
      const told = targetSettings(config, target);
      return client.workflow.signalWithStart(TARGET_CONTROLLER_WORKFLOW, {
        ...controllerStart(taskQueue, target, told),
        signal: configureSignal,
        signalArgs: [told],
      });
    }),
  );
}
