/**
 * What the bench runs: rows, each a load against one setup of server and workers (its
 * {@link Setup}, the levers). Every row measures the bare `Promise.allSettled` baseline and
 * Tandem side by side in the same run.
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

/** One row of the report. */
export interface RowSpec {
  name: string;
  /** Which table and plot the row belongs to. */
  group:
    | 'idle'
    | 'latency'
    | 'concurrency'
    | 'legs'
    | 'saturated'
    | 'gateway'
    | 'hostile'
    | 'parked'
    | 'lever'
    | 'scaling';
  concurrency: number;
  latencyMs: number;
  legs: number;
  /** Closed loop for this many deliveries… */
  deliveries?: number;
  /** …or for this long. */
  durationMs?: number;
  /** Closed loop: no new delivery starts after this long (those in flight finish). */
  capMs?: number;
  /** Open loop at this rate (for `durationMs`); `concurrency` is then unused. */
  ratePerSecond?: number;
  /** The baseline's `durationMs`, when shorter: the bare calls settle in seconds. */
  baselineDurationMs?: number;
  setup: Setup;
}

/** Tandem as configured by default: a client in another process, every target bulkheaded. */
export const DEFAULTS: Setup = { starter: 'client' };

/**
 * The fast path the bench's figures chose: an app process hosting the workers starts eagerly
 * on their connection, and targets opt out of their bulkhead so attempts are dispatched eagerly.
 */
export const FAST: Setup = { starter: 'app', eagerStart: true, bulkhead: false };

/** How long a row runs: `--quick` keeps fewer rows and shorter caps. */
interface Scale {
  quick: boolean;
}

const row = (spec: Omit<RowSpec, 'setup'> & { setup?: Setup }): RowSpec => ({
  setup: DEFAULTS,
  ...spec,
});

/** The standard report (`npm run bench`), or its quick form (`--quick`). */
export function standardRows({ quick }: Scale): RowSpec[] {
  const n = (full: number, small: number) => (quick ? small : full);
  const capMs = n(6_000, 2_000);
  const idle = (latencyMs: number, setup: Setup, prefix = '') =>
    row({
      name: `${prefix}idle ${latencyMs} ms`,
      group: latencyMs === 20 || latencyMs === 100 ? 'idle' : 'latency',
      concurrency: 1,
      latencyMs,
      legs: 2,
      deliveries: latencyMs === 500 ? 12 : n(100, 20),
      capMs: latencyMs === 500 ? 10_000 : capMs,
      setup,
    });
  const concurrency = (c: number, setup: Setup, prefix = '') =>
    row({
      name: `${prefix}c=${c} 20 ms`,
      group: 'concurrency',
      concurrency: c,
      latencyMs: 20,
      legs: 2,
      deliveries: Math.max(200, c * 10),
      capMs,
      setup,
    });
  return [
    ...(quick ? [20] : [0, 20, 100, 500]).map((ms) => idle(ms, DEFAULTS)),
    ...(quick ? [10, 50] : [1, 10, 50, 100, 200]).map((c) => concurrency(c, DEFAULTS)),
    ...(quick ? [2, 8] : [2, 4, 8]).map((legs) =>
      row({
        name: `${legs} legs c=10`,
        group: 'legs',
        concurrency: 10,
        latencyMs: 20,
        legs,
        deliveries: 200,
        capMs,
      }),
    ),
    row({
      name: `sustained c=50 ${n(60, 8)} s`,
      group: 'saturated',
      concurrency: 50,
      latencyMs: 20,
      legs: 2,
      durationMs: n(60_000, 8_000),
    }),
    // 100/s is more than this machine completes; 20/s is less, so its 202s wait on no backlog.
    row({
      name: 'gateway 100/s',
      group: 'gateway',
      concurrency: 0,
      latencyMs: 20,
      legs: 2,
      ratePerSecond: 100,
      durationMs: n(10_000, 3_000),
      setup: { ...DEFAULTS, starter: 'gateway' },
    }),
    row({
      name: 'gateway 20/s',
      group: 'gateway',
      concurrency: 0,
      latencyMs: 20,
      legs: 2,
      ratePerSecond: 20,
      durationMs: n(10_000, 3_000),
      setup: { ...DEFAULTS, starter: 'gateway' },
    }),
    // The app's 202s at a rate the machine keeps up with, quiet, then under a hostile flood:
    // `durationMs` is each phase's.
    row({
      name: 'hostile gateway 10/s',
      group: 'hostile',
      concurrency: 0,
      latencyMs: 20,
      legs: 2,
      ratePerSecond: 10,
      durationMs: n(20_000, 5_000),
      setup: { ...DEFAULTS, starter: 'gateway' },
    }),
    // Sized for the matrix's few minutes (each parks in a few workflow tasks and two attempts);
    // `--parked N` parks N, with no cap, for the memory figure at scale.
    row({
      name: 'parked',
      group: 'parked',
      concurrency: 50,
      latencyMs: 0,
      legs: 2,
      deliveries: n(2_000, 500),
      capMs: n(40_000, 6_000),
    }),
    ...(quick ? [20] : [20, 100]).map((ms) => idle(ms, FAST, 'fast: ')),
    concurrency(50, FAST, 'fast: '),
  ];
}

/** The lever comparison (`--levers`): each lever against the setup it changes. */
export function leverRows({ quick }: Scale): RowSpec[] {
  const idle = (name: string, setup: Setup): RowSpec[] => [
    row({
      name: `${name}, idle`,
      group: 'lever',
      concurrency: 1,
      latencyMs: 20,
      legs: 2,
      deliveries: quick ? 30 : 100,
      capMs: quick ? 2_500 : 6_000,
      setup,
    }),
    row({
      name: `${name}, c=50`,
      group: 'lever',
      concurrency: 50,
      latencyMs: 20,
      legs: 2,
      deliveries: 1000,
      capMs: quick ? 3_000 : 10_000,
      setup,
    }),
  ];
  const base: Setup = { starter: 'client' };
  return [
    ...idle("Tandem's dynamic config (transfer reads 100/s)", base),
    ...idle('transfer reads 20/s (the server default)', { ...base, transferReads: 20 }),
    ...idle('transfer reads 1000/s', { ...base, transferReads: 1000 }),
    ...idle('server default partitions', base),
    ...idle('1 partition', { ...base, partitions: 1 }),
    ...idle('1 partition, autoscaling pollers', {
      ...base,
      partitions: 1,
      workflowPollers: 'autoscaling',
      activityPollers: 'autoscaling',
    }),
    ...idle('1 partition, app-hosted start', { starter: 'app', partitions: 1 }),
    ...idle('1 partition, app-hosted eager start', {
      starter: 'app',
      partitions: 1,
      eagerStart: true,
    }),
    ...idle('1 partition, no bulkhead (eager activities)', {
      ...base,
      partitions: 1,
      bulkhead: false,
    }),
    ...idle('1 partition, no bulkhead, app-hosted eager start', {
      starter: 'app',
      partitions: 1,
      eagerStart: true,
      bulkhead: false,
    }),
    ...idle('1 partition, cache 200', { ...base, partitions: 1, maxCachedWorkflows: 200 }),
  ];
}

/** History shards and worker processes the scaling mode (`--cluster --scaling`) crosses. */
export const SCALING = { historyShards: [1, 4, 16], workerProcesses: [1, 2, 4] } as const;

/**
 * The scaling mode: one saturated row (c=50, 20 ms targets, 2 legs, Tandem's defaults) per
 * combination of history shards and worker processes, shards outermost so each count of shards
 * needs one fresh cluster.
 */
export function scalingRows({ quick }: Scale): RowSpec[] {
  return SCALING.historyShards.flatMap((historyShards) =>
    SCALING.workerProcesses.map((workerProcesses) =>
      row({
        name: `${historyShards} shards, ${workerProcesses} workers`,
        group: 'scaling',
        concurrency: 50,
        latencyMs: 20,
        legs: 2,
        durationMs: quick ? 4_000 : 20_000,
        baselineDurationMs: quick ? 1_000 : 3_000,
        setup: { ...DEFAULTS, historyShards, workerProcesses },
      }),
    ),
  );
}

/** A single row from `--deliveries`/`--concurrency`/`--latency-ms` (the old interface). */
export function customRow(options: {
  deliveries: number;
  concurrency: number;
  latencyMs: number;
  legs: number;
  setup: Setup;
}): RowSpec {
  return { name: 'custom', group: 'idle', ...options };
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
