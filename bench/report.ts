/**
 * The bench's report as text, in one of two styles: on the terminal (what `npm run bench`
 * prints) or in Markdown (what `bench/tables.ts` writes for BENCHMARKS.md), from the same columns.
 */
import {
  COST_COLUMNS,
  COST_NOTE,
  LATENCY_COLUMNS,
  column,
  fixed,
  titled,
  type Column,
  type Style,
} from './columns';
import { HOSTILE_GOAL, type HostilePhase, type HostileReport } from './hostile';
import type { BenchOptions } from './options';
import type { ParkedReport } from './parked';
import type { RowReport } from './row';

/** The whole report, as printed and as `--out` writes it: what the tables read back. */
export interface BenchReport {
  options: BenchOptions;
  host: { cpus: number; model: string; loadAverage1m: number };
  startedAt: string;
  durationS: number;
  rows: RowReport[];
  parked?: ParkedReport;
  hostile?: HostileReport;
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => fixed(bytes / MIB, 0);

type Phase = readonly [name: string, phase: HostilePhase];
const PHASE_COLUMNS: Column<Phase>[] = [
  column('phase', ([name]) => name),
  column('n', ([, phase]) => String(phase.count)),
  column('202 p50', ([, phase]) => phase.acceptedMs.p50, 1, 'ms'),
  column('202 p99', ([, phase]) => phase.acceptedMs.p99, 1, 'ms'),
  column('e2e p99', ([, phase]) => phase.endToEndMs.p99, 1, 'ms'),
  column('gateway RSS', ([, phase]) => phase.gatewayRssPeakBytes / MIB, 0, 'MiB'),
  column('failures', ([, phase]) => String(phase.failures.length)),
];

/** The hostile row: the app's figures quiet and flooded, what the flood got, and the goal. */
function hostileLines(hostile: HostileReport, style: Style): string[] {
  const answers = Object.entries(hostile.flood.answers)
    .map(([status, n]) => `${status}×${n}`)
    .join(', ');
  const verdict = (met: boolean) => (met ? 'met' : 'missed');
  return [
    ...titled(
      `${hostile.name}: ${hostile.ratePerSecond}/s for ${fixed(hostile.phaseSeconds, 0)} s quiet, then as long under the flood (load ${fixed(hostile.loadAverage1m, 2)})`,
      PHASE_COLUMNS,
      [
        ['quiet', hostile.quiet],
        ['flooded', hostile.flooded],
      ],
      style,
    ),
    '',
    `flood: ${hostile.flood.requests} requests, ${mib(hostile.flood.bytesSent)} MiB sent; answers ${answers}`,
    `goal: 202 p99 within ${HOSTILE_GOAL.p99Ratio}× of quiet (${fixed(hostile.p99Ratio, 2)}×: ${verdict(hostile.goalMet.p99)}), ` +
      `gateway RSS under ${HOSTILE_GOAL.gatewayRssBytes / MIB} MiB (${verdict(hostile.goalMet.rss)})`,
  ];
}

function parkedLine(parked: ParkedReport): string {
  return (
    `${parked.name}: ${parked.parked} of ${parked.asked} asked parked (start capped by time) in ${fixed(parked.secondsToPark, 0)} s; ` +
    `worker RSS ${mib(parked.workerRssBeforeBytes)} MiB before, ${mib(parked.workerRssAfterBytes)} MiB after ` +
    `(load ${fixed(parked.loadAverage1m, 2)})`
  );
}

const LATENCY_TITLE = 'Latency and throughput (Tandem beside the bare Promise.allSettled baseline)';
const COST_TITLE =
  'Cost per Tandem delivery: CPU-ms by process (from /proc), history, server round trips, worker RSS';

/** The report as text, in `style`. */
export function formatReport(report: BenchReport, style: Style): string {
  const { host, rows } = report;
  const sections = [
    [
      `${host.cpus} CPUs (${host.model}), load average ${fixed(host.loadAverage1m, 2)} at start; ` +
        `${fixed(report.durationS, 0)} s in all; against the Temporal dev server`,
    ],
    titled(LATENCY_TITLE, LATENCY_COLUMNS, rows, style),
    [
      ...titled(COST_TITLE, COST_COLUMNS, rows, style),
      ...(style === 'markdown' ? [''] : []),
      COST_NOTE,
    ],
    ...(report.hostile ? [hostileLines(report.hostile, style)] : []),
    ...(report.parked ? [[parkedLine(report.parked)]] : []),
  ];
  return sections.map((lines) => lines.join('\n')).join('\n\n');
}
