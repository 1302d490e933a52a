/** The bench's human-readable report: one table of rows, then the costs of each. */
import type { BenchReport } from './bench-report';
import { CLUSTER_PARTS } from './cluster';
import { HOSTILE_GOAL, type HostileReport } from './hostile';
import type { RowReport } from './row';
import { SCALING_HEADER, scalingCells } from './scaling';

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

/** Whether the report has a cluster's server CPU by process, and several worker processes. */
function extras(report: BenchReport) {
  return {
    byProcess: report.server === 'cluster',
    rssSum: report.rows.some((row) => row.workerProcesses > 1),
  };
}

function costLine(row: RowReport, shown: ReturnType<typeof extras>): string[] {
  const [tandem, baseline] = row.runs;
  const cpu = tandem.cpuMsPerDelivery;
  const p = tandem.phasesP50Ms;
  const parts = tandem.serverCpuMsPerDelivery ?? {};
  return [
    row.name,
    num(cpu.server ?? NaN, 2),
    ...(shown.byProcess ? CLUSTER_PARTS.map((part) => num(parts[part] ?? NaN, 2)) : []),
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
    ...(shown.rssSum ? [num(row.workerRssPeakSumBytes / MIB, 0)] : []),
    `${num(p.toFirstRequest, 0)}|${num(p.atTargets, 0)}|${num(p.afterLastAnswer, 0)}`,
  ];
}

/** The hostile row: the app's figures quiet and flooded, what the flood got, and the goal. */
function hostileLines(hostile: HostileReport): string[] {
  const phaseLine = (name: string, phase: HostileReport['quiet']) => [
    name,
    String(phase.count),
    num(phase.acceptedMs.p50),
    num(phase.acceptedMs.p99),
    num(phase.endToEndMs.p99),
    num(phase.gatewayRssPeakBytes / MIB, 0),
    String(phase.failures.length),
  ];
  const answers = Object.entries(hostile.flood.answers)
    .map(([status, n]) => `${status}×${n}`)
    .join(', ');
  const verdict = (met: boolean) => (met ? 'met' : 'missed');
  return [
    '',
    `${hostile.name}: ${hostile.ratePerSecond}/s for ${num(hostile.phaseSeconds, 0)} s quiet, then as long under the flood (load ${num(hostile.loadAverage1m, 2)})`,
    ...table(
      ['phase', 'n', '202 p50', '202 p99', 'e2e p99', 'gateway RSS MiB', 'fail'],
      [phaseLine('quiet', hostile.quiet), phaseLine('flooded', hostile.flooded)],
    ),
    `flood: ${hostile.flood.requests} requests, ${num(hostile.flood.bytesSent / MIB, 0)} MiB sent; answers ${answers}`,
    `goal: 202 p99 within ${HOSTILE_GOAL.p99Ratio}x of quiet (${num(hostile.p99Ratio, 2)}x: ${verdict(hostile.goalMet.p99)}), ` +
      `gateway RSS under ${HOSTILE_GOAL.gatewayRssBytes / MIB} MiB (${verdict(hostile.goalMet.rss)})`,
  ];
}

/** The report as text. */
export function formatReport(report: BenchReport): string {
  const { host } = report;
  const shown = extras(report);
  return [
    `${host.cpus} CPUs (${host.model}), load average ${num(host.loadAverage1m, 2)} at start; ` +
      `${num(report.durationS, 0)} s in all; against ${report.server === 'cluster' ? 'a Temporal cluster (PostgreSQL, four services)' : 'the Temporal dev server'}`,
    ...report.skipped,
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
        ...(shown.byProcess ? CLUSTER_PARTS.map((part) => `·${part}`) : []),
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
        ...(shown.rssSum ? ['RSS sum'] : []),
        'p50 split',
      ],
      report.rows.map((row) => costLine(row, shown)),
    ),
    '(p50 split: start → first request | at the targets | last answer → end; polls: tasks handed out by matching)',
    ...(shown.byProcess
      ? [
          '(on the cluster, server = ·frontend + ·history + ·matching + ·worker (Temporal services) + ·postgres)',
        ]
      : []),
    ...(shown.rssSum
      ? ['(worker: all worker processes summed; RSS MiB: the largest one; RSS sum: all of them)']
      : []),
    ...(report.scaling
      ? [
          '',
          'Scaling: saturated row (c=50, 20 ms, 2 legs) per history shards × worker processes; CPU-ms per delivery',
          ...table(SCALING_HEADER, report.scaling.map(scalingCells)),
        ]
      : []),
    ...(report.hostile ? hostileLines(report.hostile) : []),
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
