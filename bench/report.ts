/** The bench's human-readable report: one table of rows, then the costs of each. */
import type { BenchReport } from './deliveries';
import type { RowReport } from './row';

const MIB = 1024 * 1024;
const num = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function table(header: readonly string[], lines: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ');
  return [format(header), ...lines.map(format)];
}

function latencyLine(row: RowReport): string[] {
  const [tandem, baseline] = row.runs;
  const accepted = tandem.acceptedMs;
  return [
    row.name,
    String(tandem.count),
    num(tandem.perSecond),
    num(baseline.perSecond),
    num(tandem.p50Ms),
    num(baseline.p50Ms),
    `${num(row.ratio.p50, 2)}x`,
    num(tandem.p99Ms),
    num(baseline.p99Ms),
    `${num(row.ratio.p99, 2)}x`,
    accepted ? `${num(accepted.p50)}/${num(accepted.p99)}` : '',
    String(tandem.failures.length + baseline.failures.length),
    num(row.loadAverage1m, 2),
  ];
}

function costLine(row: RowReport): string[] {
  const [tandem, baseline] = row.runs;
  const cpu = tandem.cpuMsPerDelivery;
  const p = tandem.phasesP50Ms;
  return [
    row.name,
    num(cpu.server ?? NaN, 2),
    num(cpu.worker ?? NaN, 2),
    num(cpu.gateway ?? NaN, 2),
    num(cpu.driver ?? NaN, 2),
    num(cpu.targets ?? NaN, 2),
    num((baseline.cpuMsPerDelivery.driver ?? NaN) + (baseline.cpuMsPerDelivery.targets ?? NaN), 2),
    num(row.history.events, 0),
    num(row.history.bytes, 0),
    num(row.history.workflowTasks, 1),
    num(row.serverPerDelivery.poll_success, 1),
    num(row.serverPerDelivery.workflow_eager_execution, 2),
    num(row.serverPerDelivery.activity_eager_execution, 2),
    num(row.workerRssPeakBytes / MIB, 0),
    `${num(p.toFirstRequest, 0)}|${num(p.atTargets, 0)}|${num(p.afterLastAnswer, 0)}`,
  ];
}

/** The report as text. */
export function formatReport(report: BenchReport): string {
  const { host } = report;
  return [
    `${host.cpus} CPUs (${host.model}), load average ${num(host.loadAverage1m, 2)} at start; ` +
      `${num(report.durationS, 0)} s in all`,
    '',
    'Latency and throughput (ms; deliveries/s; Tandem beside the bare Promise.allSettled baseline)',
    ...table(
      [
        'row',
        'n',
        'T/s',
        'bare/s',
        'T p50',
        'bare p50',
        'p50 x',
        'T p99',
        'bare p99',
        'p99 x',
        '202 p50/p99',
        'fail',
        'load',
      ],
      report.rows.map(latencyLine),
    ),
    '',
    'Cost per Tandem delivery: CPU-ms by process (from /proc), history, server round trips, worker RSS',
    ...table(
      [
        'row',
        'server',
        'worker',
        'gateway',
        'driver',
        'targets',
        'bare cpu',
        'events',
        'bytes',
        'WFT',
        'polls',
        'eagerWF',
        'eagerAct',
        'RSS MiB',
        'p50 split',
      ],
      report.rows.map(costLine),
    ),
    '(p50 split: start → first request | at the targets | last answer → end; polls: tasks handed out by matching)',
    ...(report.parked
      ? [
          '',
          `${report.parked.name}: ${report.parked.parked} of ${report.parked.asked} asked parked (start capped by time) in ${num(report.parked.secondsToPark, 0)} s; ` +
            `worker RSS ${num(report.parked.workerRssBeforeBytes / MIB, 0)} MiB before, ` +
            `${num(report.parked.workerRssAfterBytes / MIB, 0)} MiB after`,
        ]
      : []),
  ].join('\n');
}
