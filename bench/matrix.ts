/**
 * What the bench runs, as data: rows, each a load against one setup of server and workers (its
 * {@link Setup}, the levers). Every row measures the bare `Promise.allSettled` baseline and
 * Tandem side by side in the same run.
 */
import type { Setup } from './setup';

/** How a row runs: each kind's code is written once (`row.ts`, `parked.ts`, `hostile.ts`). */
export type Kind =
  /** Closed loop: `concurrency` lanes, each sending its next delivery when its last one ended. */
  | 'closed'
  /** Open loop: a delivery every `1 / ratePerSecond` s, whatever the answers' speed. */
  | 'open'
  /** Deliveries that park as `needs_attention`, and the worker's memory they cost. */
  | 'parked'
  /** An app at `ratePerSecond` through the gateway, quiet, then under a hostile flood. */
  | 'hostile';

/** Which table and plot a row belongs to. */
export type Group =
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

/** One row of the report, as it runs. */
export interface RowSpec {
  name: string;
  group: Group;
  kind: Kind;
  /** Closed-loop lanes; 0 for the open-loop kinds. */
  concurrency: number;
  /** Open loop at this rate (for `durationMs`). */
  ratePerSecond?: number;
  /** How long each target takes to answer. */
  latencyMs: number;
  legs: number;
  /** Closed loop for this many deliveries… */
  deliveries?: number;
  /** …or for this long (`hostile`: each phase's length). */
  durationMs?: number;
  /** Closed loop: no new delivery starts after this long (those in flight finish). */
  capMs?: number;
  /** The baseline's `durationMs`, when shorter: the bare calls settle in seconds. */
  baselineDurationMs?: number;
  setup: Setup;
}

/** A size for the full matrix, or `[full, quick]` where `--quick` runs a smaller one. */
type Sized<T> = T | readonly [full: T, quick: T];

/**
 * A row as the matrix writes it: sizes may differ under `--quick`; absent, `kind` is `closed`,
 * `concurrency` 0, `latencyMs` 20, `legs` 2 and `setup` {@link DEFAULTS}.
 */
type RowRecord = {
  [K in keyof RowSpec]?: K extends 'setup' | 'kind' | 'group' ? RowSpec[K] : Sized<RowSpec[K]>;
} & { name: Sized<string>; group: Group; fullOnly?: true };

/** Tandem as configured by default: a client in another process, every target bulkheaded. */
export const DEFAULTS: Setup = { starter: 'client' };

/**
 * The fast path the bench's figures chose: an app process hosting the workers starts eagerly
 * on their connection, and targets opt out of their bulkhead so attempts are dispatched eagerly.
 */
export const FAST: Setup = { starter: 'app', eagerStart: true, bulkhead: false };

const GATEWAY: Setup = { starter: 'gateway' };
/** The closed-loop rows' time cap: the matrix is sized for about 5 minutes (`--quick`: 1). */
const CAP = [6_000, 2_000] as const;
const IDLE = { concurrency: 1, deliveries: [100, 20], capMs: CAP } as const;
const C = { group: 'concurrency', capMs: CAP } as const;
const LEGS = { group: 'legs', concurrency: 10, deliveries: 200, capMs: CAP } as const;
const OPEN = {
  group: 'gateway',
  kind: 'open',
  durationMs: [10_000, 3_000],
  setup: GATEWAY,
} as const;

/** The standard report (`npm run bench`); `fullOnly` rows are left out of `--quick`'s. */
const STANDARD: RowRecord[] = [
  { name: 'idle 0 ms', group: 'latency', ...IDLE, latencyMs: 0, fullOnly: true },
  { name: 'idle 20 ms', group: 'idle', ...IDLE },
  { name: 'idle 100 ms', group: 'idle', ...IDLE, latencyMs: 100, fullOnly: true },
  {
    name: 'idle 500 ms',
    group: 'latency',
    ...IDLE,
    latencyMs: 500,
    deliveries: 12,
    capMs: 10_000,
    fullOnly: true,
  },
  { name: 'c=1 20 ms', ...C, concurrency: 1, deliveries: 200, fullOnly: true },
  { name: 'c=10 20 ms', ...C, concurrency: 10, deliveries: 200 },
  { name: 'c=50 20 ms', ...C, concurrency: 50, deliveries: 500 },
  { name: 'c=100 20 ms', ...C, concurrency: 100, deliveries: 1000, fullOnly: true },
  { name: 'c=200 20 ms', ...C, concurrency: 200, deliveries: 2000, fullOnly: true },
  { name: '2 legs c=10', ...LEGS },
  { name: '4 legs c=10', ...LEGS, legs: 4, fullOnly: true },
  { name: '8 legs c=10', ...LEGS, legs: 8 },
  {
    name: ['sustained c=50 60 s', 'sustained c=50 8 s'],
    group: 'saturated',
    concurrency: 50,
    durationMs: [60_000, 8_000],
  },
  // 100/s is more than this machine completes; 20/s is less, so its 202s wait on no backlog.
  { name: 'gateway 100/s', ...OPEN, ratePerSecond: 100 },
  { name: 'gateway 20/s', ...OPEN, ratePerSecond: 20 },
  // The app's 202s at a rate the machine keeps up with, quiet, then under a hostile flood:
  // `durationMs` is each phase's.
  {
    name: 'hostile gateway 10/s',
    group: 'hostile',
    kind: 'hostile',
    ratePerSecond: 10,
    durationMs: [20_000, 5_000],
    setup: GATEWAY,
  },
  // Sized for the matrix's few minutes (each parks in a few workflow tasks and two attempts);
  // `--parked N` parks N, with no cap, for the memory figure at scale.
  {
    name: 'parked',
    group: 'parked',
    kind: 'parked',
    concurrency: 50,
    latencyMs: 0,
    deliveries: [2_000, 500],
    capMs: [40_000, 6_000],
  },
  { name: 'fast: idle 20 ms', group: 'idle', ...IDLE, setup: FAST },
  {
    name: 'fast: idle 100 ms',
    group: 'idle',
    ...IDLE,
    latencyMs: 100,
    setup: FAST,
    fullOnly: true,
  },
  { name: 'fast: c=50 20 ms', ...C, concurrency: 50, deliveries: 500, setup: FAST },
];

/** The lever comparison (`--levers`): each lever against the setup it changes, … */
const LEVERS: { name: string; setup: Setup }[] = [
  { name: "Tandem's dynamic config (transfer reads 100/s)", setup: DEFAULTS },
  { name: 'transfer reads 20/s (the server default)', setup: { ...DEFAULTS, transferReads: 20 } },
  { name: 'transfer reads 1000/s', setup: { ...DEFAULTS, transferReads: 1000 } },
  { name: 'server default partitions', setup: DEFAULTS },
  { name: '1 partition', setup: { ...DEFAULTS, partitions: 1 } },
  {
    name: '1 partition, autoscaling pollers',
    setup: {
      ...DEFAULTS,
      partitions: 1,
      workflowPollers: 'autoscaling',
      activityPollers: 'autoscaling',
    },
  },
  { name: '1 partition, app-hosted start', setup: { starter: 'app', partitions: 1 } },
  {
    name: '1 partition, app-hosted eager start',
    setup: { starter: 'app', partitions: 1, eagerStart: true },
  },
  {
    name: '1 partition, no bulkhead (eager activities)',
    setup: { ...DEFAULTS, partitions: 1, bulkhead: false },
  },
  {
    name: '1 partition, no bulkhead, app-hosted eager start',
    setup: { ...FAST, partitions: 1 },
  },
  {
    name: '1 partition, cache 200',
    setup: { ...DEFAULTS, partitions: 1, maxCachedWorkflows: 200 },
  },
];

/** … under each of these loads. */
const LEVER_LOADS: RowRecord[] = [
  { name: 'idle', group: 'lever', concurrency: 1, deliveries: [100, 30], capMs: [6_000, 2_500] },
  { name: 'c=50', group: 'lever', concurrency: 50, deliveries: 1000, capMs: [10_000, 3_000] },
];

/** History shards and worker processes the scaling mode (`--cluster --scaling`) crosses. */
export const SCALING = { historyShards: [1, 4, 16], workerProcesses: [1, 2, 4] } as const;

/**
 * The scaling mode: one saturated row (c=50, 20 ms targets, 2 legs, Tandem's defaults) per
 * combination of history shards and worker processes, shards outermost so each count of shards
 * needs one fresh cluster.
 */
const SCALING_ROWS: RowRecord[] = SCALING.historyShards.flatMap((historyShards) =>
  SCALING.workerProcesses.map((workerProcesses) => ({
    name: `${historyShards} shards, ${workerProcesses} workers`,
    group: 'scaling' as const,
    concurrency: 50,
    durationMs: [20_000, 4_000] as const,
    baselineDurationMs: [3_000, 1_000] as const,
    setup: { ...DEFAULTS, historyShards, workerProcesses },
  })),
);

/** Which list of rows the options ask for. */
export type Matrix = 'standard' | 'levers' | 'scaling';

const MATRICES: Record<Matrix, RowRecord[]> = {
  standard: STANDARD,
  levers: LEVERS.flatMap((lever) =>
    LEVER_LOADS.map((load) => ({
      ...load,
      name: `${lever.name}, ${String(load.name)}`,
      setup: lever.setup,
    })),
  ),
  scaling: SCALING_ROWS,
};

/** The rows of `matrix`, sized for `--quick` or not. */
export function rowsOf(matrix: Matrix, quick: boolean): RowSpec[] {
  return MATRICES[matrix]
    .filter((record) => !(quick && record.fullOnly))
    .map((record) => {
      const sized = Object.fromEntries(
        Object.entries(record)
          .filter(([key]) => key !== 'fullOnly')
          .map(([key, value]) => [
            key,
            Array.isArray(value) ? (value as unknown[])[+quick] : value,
          ]),
      );
      return {
        kind: 'closed',
        concurrency: 0,
        latencyMs: 20,
        legs: 2,
        setup: DEFAULTS,
        ...sized,
      } as RowSpec;
    });
}

/** A single row from `--deliveries`/`--concurrency`/`--latency-ms`/`--legs` (the old interface). */
export function customRow(
  options: Pick<RowSpec, 'deliveries' | 'concurrency' | 'latencyMs' | 'legs'>,
): RowSpec {
  return { name: 'custom', group: 'idle', kind: 'closed', setup: DEFAULTS, ...options };
}
