/**
 * The report's columns, each declared once, and the one function that renders them to the
 * terminal (`npm run bench`) or to Markdown (`bench/tables.ts`, for BENCHMARKS.md), so both read
 * the same figures.
 */
import type { BenchOptions } from './options';
import type { RowReport, RunReport } from './row';
import { HOSTILE_GOAL, type HostilePhase, type HostileReport, type ParkedReport } from './stress';

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

export type Style = 'terminal' | 'markdown';

/** One column of a table of `T`s: its heading, units included, and each item's figure. */
export interface Column<T> {
  header: string;
  figure: (item: T) => number | string | undefined;
  digits?: number;
}

export function column<T>(header: string, figure: Column<T>['figure'], digits?: number) {
  return { header, figure, digits };
}

/** A figure as a cell: `–` where there is none (no gateway on that row, nothing to divide). */
export function fixed(value: number | undefined, digits = 1): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '–';
}

const mib = (bytes: number) => bytes / 2 ** 20;

/** The table's lines: the heading, (in Markdown, the alignment rule), a line per item. */
export function table<T>(columns: readonly Column<T>[], items: readonly T[], style: Style) {
  const lines = [
    columns.map((column) => column.header),
    ...items.map((item) =>
      columns.map((column) => {
        const figure = column.figure(item);
        return typeof figure === 'string' ? figure : fixed(figure, column.digits);
      }),
    ),
  ];
  const widths = columns.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  // The first column names the item; the figures align right, as numbers do.
  const padded = lines.map((line) =>
    line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))),
  );
  if (style === 'terminal') return padded.map((line) => line.join('  '));
  const rule = widths.map((width, i) => '-'.repeat(i === 0 ? width : width - 1) + (i ? ':' : ''));
  return [padded[0]!, rule, ...padded.slice(1)].map((line) => `| ${line.join(' | ')} |`);
}

/** A titled table, and the lines under it: in Markdown a blank line parts them from the table. */
function titled<T>(
  title: string,
  columns: Column<T>[],
  items: readonly T[],
  style: Style,
  note = '',
) {
  const gap = style === 'markdown' ? [''] : [];
  return [title, ...gap, ...table(columns, items, style), ...(note ? [...gap, note] : [])];
}

/** A figure of a row's run, Tandem's and the bare baseline's, and their ratio. */
function sides(header: string, unit: string, key: keyof RowReport['ratio']) {
  const pick = (run: RunReport) => (key === 'perSecond' ? run.perSecond : run[`${key}Ms` as const]);
  const tandem = column<RowReport>(`${header}${unit}`, (row) => pick(row.runs[0]), 1);
  const bare = column<RowReport>(`bare ${header}${unit}`, (row) => pick(row.runs[1]), 1);
  const ratio = column<RowReport>(`${header} ×`, (row) => row.ratio[key], 2);
  return [tandem, bare, ratio];
}

const ROW = column<RowReport>('row', (row) => row.name);
const cpu = (process: string) =>
  column<RowReport>(`${process} CPU-ms`, (row) => row.runs[0].cpuMsPerDelivery[process], 2);

/** Latency and throughput, Tandem beside the bare `Promise.allSettled`. */
export const LATENCY_COLUMNS: Column<RowReport>[] = [
  ROW,
  column('n', (row) => String(row.runs[0].count)),
  ...sides('deliveries', '/s', 'perSecond').slice(0, 2),
  ...sides('p50', ' ms', 'p50'),
  ...sides('p99', ' ms', 'p99'),
  column('202 p50/p99 ms', ({ runs: [{ acceptedMs: a }] }) =>
    a ? `${fixed(a.p50)} / ${fixed(a.p99)}` : '',
  ),
  column('failures', ({ runs }) => String(runs[0].failures.length + runs[1].failures.length)),
  column('load', (row) => row.loadAverage1m, 2),
];

/** What a Tandem delivery cost: CPU by process, history, server round trips, worker memory. */
const COST_COLUMNS: Column<RowReport>[] = [
  ROW,
  ...['server', 'worker', 'gateway', 'driver', 'targets'].map(cpu),
  column(
    'bare (driver+targets) CPU-ms',
    ({ runs: [, { cpuMsPerDelivery: bare }] }) => (bare.driver ?? NaN) + (bare.targets ?? NaN),
    2,
  ),
  column('events', (row) => row.history.events, 0),
  column('bytes', (row) => row.history.bytes, 0),
  column('WFT', (row) => row.history.workflowTasks),
  column('matching tasks', (row) => row.serverPerDelivery.poll_success),
  column('eager WF', (row) => row.serverPerDelivery.workflow_eager_execution, 2),
  column('eager act.', (row) => row.serverPerDelivery.activity_eager_execution, 2),
  column('worker RSS MiB', (row) => mib(row.workerRssPeakBytes), 0),
  column('p50 split ms', ({ runs: [{ phasesP50Ms: p }] }) =>
    [p.toFirstRequest, p.atTargets, p.afterLastAnswer].map((ms) => fixed(ms, 0)).join(' / '),
  ),
];

const PHASE_COLUMNS: Column<readonly [string, HostilePhase]>[] = [
  column('phase', ([name]) => name),
  column('n', ([, phase]) => String(phase.count)),
  column('202 p50 ms', ([, phase]) => phase.acceptedMs.p50, 1),
  column('202 p99 ms', ([, phase]) => phase.acceptedMs.p99, 1),
  column('e2e p99 ms', ([, phase]) => phase.endToEndMs.p99, 1),
  column('gateway RSS MiB', ([, phase]) => mib(phase.gatewayRssPeakBytes), 0),
  column('failures', ([, phase]) => String(phase.failures.length)),
];

/** The hostile row: the app's figures quiet and flooded, what the flood got, and the goal. */
function hostileLines(hostile: HostileReport, style: Style): string[] {
  const { flood, goalMet, quiet, flooded } = hostile;
  const answers = Object.entries(flood.answers).map(([status, n]) => `${status}×${n}`);
  const verdict = (met: boolean) => (met ? 'met' : 'missed');
  const title = `${hostile.name}: ${hostile.ratePerSecond}/s for ${fixed(hostile.phaseSeconds, 0)} s quiet, then as long under the flood (load ${fixed(hostile.loadAverage1m, 2)})`;
  const phases = [['quiet', quiet] as const, ['flooded', flooded] as const];
  return [
    ...titled(title, PHASE_COLUMNS, phases, style),
    '',
    `flood: ${flood.requests} requests, ${fixed(mib(flood.bytesSent), 0)} MiB sent; answers ${answers.join(', ')}`,
    `goal: 202 p99 within ${HOSTILE_GOAL.p99Ratio}× of quiet (${fixed(hostile.p99Ratio, 2)}×: ${verdict(goalMet.p99)}), ` +
      `gateway RSS under ${mib(HOSTILE_GOAL.gatewayRssBytes)} MiB (${verdict(goalMet.rss)})`,
  ];
}

export function formatReport(report: BenchReport, style: Style): string {
  const { host, rows, parked, hostile } = report;
  const sections = [
    [
      `${host.cpus} CPUs (${host.model}), load average ${fixed(host.loadAverage1m, 2)} at start; ` +
        `${fixed(report.durationS, 0)} s in all; against the Temporal dev server`,
    ],
    titled(LATENCY_TITLE, LATENCY_COLUMNS, rows, style),
    titled(COST_TITLE, COST_COLUMNS, rows, style, COST_NOTE),
  ];
  if (hostile) sections.push(hostileLines(hostile, style));
  if (parked) {
    sections.push([
      `${parked.name}: ${parked.parked} of ${parked.asked} asked parked (start capped by time) in ${fixed(parked.secondsToPark, 0)} s; ` +
        `worker RSS ${fixed(mib(parked.workerRssBeforeBytes), 0)} MiB before, ${fixed(mib(parked.workerRssAfterBytes), 0)} MiB after ` +
        `(load ${fixed(parked.loadAverage1m, 2)})`,
    ]);
  }
  return sections.map((lines) => lines.join('\n')).join('\n\n');
}

const LATENCY_TITLE = 'Latency and throughput (Tandem beside the bare Promise.allSettled baseline)';
const COST_TITLE =
  'Cost per Tandem delivery: CPU-ms by process (from /proc), history, server round trips, worker RSS';
const COST_NOTE =
  '(p50 split: start → first request / at the targets / last answer → end; matching tasks: tasks handed out by matching)';
