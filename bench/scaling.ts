/**
 * The scaling table (`--cluster --scaling`): per count of history shards and worker processes,
 * the saturated row's throughput, latency and CPU-ms per delivery by kind of process.
 */
import { CLUSTER_PARTS } from './cluster';
import type { Column } from './columns';
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

const cpu = (header: string, figure: (c: ScalingLine['cpuMsPerDelivery']) => number) => ({
  header,
  figure: (line: ScalingLine) => figure(line.cpuMsPerDelivery),
});

/** The scaling table's columns; CPU-ms per delivery by kind of process. */
export const SCALING_COLUMNS: Column<ScalingLine>[] = [
  { header: 'shards', figure: (line) => String(line.historyShards) },
  { header: 'worker procs', figure: (line) => String(line.workerProcesses) },
  { header: 'n', figure: (line) => String(line.deliveries) },
  { header: 'Tandem', unit: '/s', figure: (line) => line.perSecond },
  { header: 'p50', unit: 'ms', figure: (line) => line.p50Ms, digits: 0 },
  { header: 'p99', unit: 'ms', figure: (line) => line.p99Ms, digits: 0 },
  ...CLUSTER_PARTS.map((part) =>
    cpu(part === 'worker' ? 'temporal worker' : part, (c) => c.serverByProcess[part]),
  ),
  cpu('server Σ', (c) => c.server),
  cpu('Tandem workers', (c) => c.workers),
  cpu('driver', (c) => c.driver),
  cpu('targets', (c) => c.targets),
  { header: 'fail', figure: (line) => String(line.failures) },
  { header: 'load', figure: (line) => line.loadAverage1m },
];
