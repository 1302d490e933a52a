/**
 * The scaling table (`--cluster --scaling`): per count of history shards and worker processes,
 * the saturated row's throughput, latency and CPU-ms per delivery by kind of process.
 */
import { CLUSTER_PARTS } from './cluster';
import type { RowReport } from './row';

/** One line of the scaling table. */
export interface ScalingLine {
  historyShards: number;
  workerProcesses: number;
  deliveries: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  /** Per Tandem delivery, from /proc. */
  cpuMsPerDelivery: {
    /** The four Temporal services and PostgreSQL together. */
    server: number;
    /** `server` by process: frontend, history, matching, worker (Temporal's), postgres. */
    serverByProcess: Record<(typeof CLUSTER_PARTS)[number], number>;
    /** Tandem's worker processes, summed. */
    workers: number;
    driver: number;
    targets: number;
  };
  /** Of the largest worker process, and of them all summed. */
  workerRssPeakBytes: number;
  workerRssPeakSumBytes: number;
  loadAverage1m: number;
}

/** The scaling table of the report's `scaling` rows. */
export function scalingTable(rows: readonly RowReport[]): ScalingLine[] {
  return rows
    .filter((row) => row.group === 'scaling')
    .map((row) => {
      const [tandem] = row.runs;
      const cpu = tandem.cpuMsPerDelivery;
      const byProcess = tandem.serverCpuMsPerDelivery ?? {};
      return {
        historyShards: row.historyShards ?? NaN,
        workerProcesses: row.workerProcesses,
        deliveries: tandem.count,
        perSecond: tandem.perSecond,
        p50Ms: tandem.p50Ms,
        p99Ms: tandem.p99Ms,
        failures: tandem.failures.length,
        cpuMsPerDelivery: {
          server: cpu.server ?? NaN,
          serverByProcess: Object.fromEntries(
            CLUSTER_PARTS.map((part) => [part, byProcess[part] ?? NaN]),
          ) as ScalingLine['cpuMsPerDelivery']['serverByProcess'],
          workers: cpu.worker ?? NaN,
          driver: cpu.driver ?? NaN,
          targets: cpu.targets ?? NaN,
        },
        workerRssPeakBytes: row.workerRssPeakBytes,
        workerRssPeakSumBytes: row.workerRssPeakSumBytes,
        loadAverage1m: row.loadAverage1m,
      };
    });
}

/** The table's columns, shared by the printed report and the Markdown of `bench/tables.ts`. */
export const SCALING_HEADER = [
  'shards',
  'worker procs',
  'n',
  'Tandem/s',
  'p50 ms',
  'p99 ms',
  'frontend',
  'history',
  'matching',
  'temporal worker',
  'postgres',
  'server Σ',
  'Tandem workers',
  'driver',
  'targets',
  'fail',
  'load',
] as const;

/** A line's cells, for {@link SCALING_HEADER}. */
export function scalingCells(line: ScalingLine): string[] {
  const fixed = (value: number, digits: number) =>
    Number.isFinite(value) ? value.toFixed(digits) : '–';
  const cpu = line.cpuMsPerDelivery;
  const parts = cpu.serverByProcess;
  return [
    String(line.historyShards),
    String(line.workerProcesses),
    String(line.deliveries),
    fixed(line.perSecond, 1),
    fixed(line.p50Ms, 0),
    fixed(line.p99Ms, 0),
    ...CLUSTER_PARTS.map((part) => fixed(parts[part], 1)),
    fixed(cpu.server, 1),
    fixed(cpu.workers, 1),
    fixed(cpu.driver, 1),
    fixed(cpu.targets, 1),
    String(line.failures),
    fixed(line.loadAverage1m, 1),
  ];
}
