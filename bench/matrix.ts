/**
 * What the bench runs, as data: rows, each a load against one setup of the ways in. Every row
 * measures Tandem and its peers (the bare `Promise.allSettled`, the hand-written saga, the floor)
 * side by side in the same run.
 */

/** How Tandem runs for a row: a change of setup restarts the processes it touches. */
export interface Setup {
  /** Who starts Tandem deliveries: a client in the driver, an app hosting the workers, the gateway. */
  starter: 'client' | 'app' | 'gateway';
  /** With `starter: 'app'`: request Eager Workflow Start. */
  eagerStart?: boolean;
  /** `false`: every target's attempts on the workflow's task queue (eager activity dispatch). */
  bulkhead?: boolean;
  /** Worker and gateway export every span over OTLP (to the targets' process, which drops them). */
  traced?: boolean;
  /** A hostile client floods the gateway (`flood.ts`) all through the row. */
  flooded?: boolean;
}

/**
 * One row, as it runs: closed loop for `deliveries` or `durationMs`, none started after `capMs`; open loop at `ratePerSecond`. Targets answer after `latencyMs`.
 */
export interface RowSpec {
  name: string;
  /** How a row runs: closed or open loop (`row.ts`, `drive.ts`), or parked (`stress.ts`). */
  kind: 'closed' | 'open' | 'parked';
  concurrency: number;
  ratePerSecond?: number;
  latencyMs: number;
  legs: number;
  deliveries?: number;
  durationMs?: number;
  capMs?: number;
  setup: Setup;
}

/** A size for the full matrix, or `[full, quick]` where `--quick` runs a smaller one. */
type Sized<T> = T | readonly [full: T, quick: T];

/** A row as the matrix writes it: sizes may differ under `--quick`; defaults in `rowsOf`. */
type RowRecord = {
  [K in keyof RowSpec]?: K extends 'setup' | 'kind' ? RowSpec[K] : Sized<RowSpec[K]>;
} & { name: Sized<string>; fullOnly?: true };

/**
 * The fast path the bench's figures chose: an app process hosting the workers starts eagerly
 * on their connection, and targets opt out of their bulkhead so attempts are dispatched eagerly.
 */
const FAST: Setup = { starter: 'app', eagerStart: true, bulkhead: false };
const GATEWAY: Setup = { starter: 'gateway' };
const TRACED: Setup = { starter: 'client', traced: true };
/** The closed-loop rows' time cap, for each of a row's four sides (Tandem, bare, saga, floor). */
const CAP = [6_000, 2_000] as const;
const IDLE = { concurrency: 1, deliveries: [100, 20] } as const;
const OPEN = { kind: 'open', durationMs: [10_000, 3_000], setup: GATEWAY } as const;
const FULL = { fullOnly: true } as const;
const HOSTILE = { ...OPEN, ratePerSecond: 10, durationMs: [20e3, 5e3] } as const;

/** The standard report (`npm run bench`); `fullOnly` rows are left out of `--quick`'s. */
const STANDARD: RowRecord[] = [
  { name: 'idle 0 ms', ...IDLE, latencyMs: 0, ...FULL },
  { name: 'idle 20 ms', ...IDLE },
  { name: 'idle 100 ms', ...IDLE, latencyMs: 100, ...FULL },
  { name: 'idle 500 ms', ...IDLE, latencyMs: 500, deliveries: 12, capMs: 10_000, ...FULL },
  { name: 'c=1 20 ms', concurrency: 1, deliveries: 200, ...FULL },
  { name: 'c=10 20 ms', concurrency: 10, deliveries: 200 },
  { name: 'c=50 20 ms', concurrency: 50, deliveries: 500 },
  { name: 'c=100 20 ms', concurrency: 100, deliveries: 1000, ...FULL },
  { name: 'c=200 20 ms', concurrency: 200, deliveries: 2000, ...FULL },
  { name: '2 legs c=10', concurrency: 10, deliveries: 200 },
  { name: '4 legs c=10', concurrency: 10, deliveries: 200, legs: 4, ...FULL },
  { name: '8 legs c=10', concurrency: 10, deliveries: 200, legs: 8 },
  { name: ['sustained c=50 60 s', 'sustained c=50 8 s'], concurrency: 50, durationMs: [60e3, 8e3] },
  // 100/s is more than this machine completes; 20/s is less, so its 202s wait on no backlog.
  { name: 'gateway 100/s', ...OPEN, ratePerSecond: 100 },
  { name: 'gateway 20/s', ...OPEN, ratePerSecond: 20 },
  // The app's deliveries through the gateway at a modest rate, quiet, then while it is flooded.
  { name: 'hostile gateway 10/s', ...HOSTILE },
  { name: 'hostile gateway 10/s flooded', ...HOSTILE, setup: { ...GATEWAY, flooded: true } },
  // Sized for the matrix's few minutes; `--parked N` parks N, uncapped, for the memory at scale.
  {
    name: 'parked',
    kind: 'parked',
    concurrency: 50,
    latencyMs: 0,
    deliveries: [2e3, 500],
    capMs: [40e3, 6e3],
  },
  // Tracing's cost: the same rows as `idle 20 ms` and `c=50 20 ms`, every span exported.
  { name: 'traced: idle 20 ms', ...IDLE, setup: TRACED },
  { name: 'traced: c=50 20 ms', concurrency: 50, deliveries: 500, setup: TRACED },
  { name: 'fast: idle 20 ms', ...IDLE, setup: FAST },
  { name: 'fast: idle 100 ms', ...IDLE, latencyMs: 100, setup: FAST, ...FULL },
  { name: 'fast: c=50 20 ms', concurrency: 50, deliveries: 500, setup: FAST },
];

export function rowsOf(quick: boolean): RowSpec[] {
  const size = (value: unknown) => (Array.isArray(value) ? (value as unknown[])[+quick] : value);
  return STANDARD.filter((record) => !(quick && record.fullOnly)).map((record) => {
    const sized = Object.entries(record).filter(([key]) => key !== 'fullOnly');
    return {
      ...{ kind: 'closed', concurrency: 0, latencyMs: 20, legs: 2, capMs: CAP[+quick] },
      setup: { starter: 'client' },
      ...Object.fromEntries(sized.map(([key, value]) => [key, size(value)])),
    } as RowSpec;
  });
}
