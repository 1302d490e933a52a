/**
 * A row's setup: the levers of server and workers it runs with, and which processes two setups
 * can share, so that a change of setup restarts only the processes it touches.
 */

/** Server and worker settings: a change of setup restarts the processes it touches. */
export interface Setup {
  /** Task-queue read and write partitions on the dev server; absent: the server's default. */
  partitions?: number;
  /**
   * Transfer-queue reads per second per history shard on the dev server
   * (`history.transferProcessorMaxPollRPS`); absent: deploy/temporal/dynamicconfig.yaml's value.
   */
  transferReads?: number;
  /** Workflow task pollers: a fixed maximum, or `autoscaling`; absent: the SDK's default. */
  workflowPollers?: number | 'autoscaling';
  /** Activity task pollers per target worker, likewise. */
  activityPollers?: number | 'autoscaling';
  /** Sticky cache size (runs kept in the worker); absent: the SDK's default. */
  maxCachedWorkflows?: number;
  /** Who starts Tandem deliveries: a client in the driver, an app hosting the workers, the gateway. */
  starter: 'client' | 'app' | 'gateway';
  /** With `starter: 'app'`: request Eager Workflow Start. */
  eagerStart?: boolean;
  /** `false`: every target's attempts on the workflow's task queue (eager activity dispatch). */
  bulkhead?: boolean;
  /** Identical worker processes on the same task queues; absent: one. */
  workerProcesses?: number;
  /** History shards of the bench's cluster (`--cluster` only); absent: the cluster's default. */
  historyShards?: number;
}

/** The key under which setups share server and worker processes. */
export function serverKey(setup: Setup): string {
  const { partitions, transferReads, historyShards } = setup;
  return JSON.stringify({ partitions, transferReads, historyShards });
}

/**
 * The key under which setups share worker processes: setups that differ only in how many there
 * are (`workerProcesses`) share those already running, and start or stop the difference.
 */
export function workerKey(setup: Setup): string {
  const { workflowPollers, activityPollers, maxCachedWorkflows, starter, eagerStart } = setup;
  return JSON.stringify({
    bulkhead: setup.bulkhead ?? true,
    workflowPollers,
    activityPollers,
    maxCachedWorkflows,
    app: starter === 'app',
    eagerStart,
  });
}
