/**
 * The report's columns, each declared once, and the one function that renders them to the
 * terminal (`npm run bench`) or to Markdown (`bench/tables.ts`, for BENCHMARKS.md), so both read
 * the same figures.
 */
import type { BenchOptions } from './options';
import type { RowReport, RunReport } from './row';
import { HOSTILE_GOAL } from './flood';
import type { ParkedReport } from './stress';

/** The whole report, as printed and as `--out` writes it: what the tables read back. */
export interface BenchReport {
  options: BenchOptions;
  host: { cpus: number; model: string; loadAverage1m: number };
  startedAt: string;
  durationS: number;
  rows: RowReport[];
  parked?: ParkedReport;
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
function titled(title: string, table: string[], style: Style, note = '') {
  const gap = style === 'markdown' ? [''] : [];
  return [title, ...gap, ...table, ...(note ? [...gap, note] : [])];
}

/** A figure of one run: deliveries per second, a latency, CPU-ms or history per delivery. */
type Figure = (run: RunReport) => number | undefined;

/** CPU-ms per delivery of every process the run's side counts (the bare one: driver, targets). */
const cpuTotal: Figure = (run) => Object.values(run.cpuMsPerDelivery).reduce((a, b) => a + b, 0);

/** Where each run sits in a row's runs. */
const RUN = { tandem: 0, bare: 1, saga: 2, floor: 3 } as const;
type Peer = 'bare' | 'saga';

/** A run's figure; `NaN` (a `–`) where the row has no such run (a report from before the peers). */
const read = (who: keyof typeof RUN, figure: Figure) => (row: RowReport) => {
  const run = row.runs[RUN[who]];
  return (run && figure(run)) ?? NaN;
};

/**
 * Tandem's figure, its ratio to each of `peers`', and the floor's figure beside them: `p50 ms`,
 * `p50 × bare`, `p50 × saga`, `floor p50 ms`.
 */
function withPeers(name: string, unit: string, figure: Figure, peers: Peer[], digits = 1) {
  const tandem = read('tandem', figure);
  const ratio = (peer: Peer) => (row: RowReport) => tandem(row) / read(peer, figure)(row);
  return [
    column(`${name}${unit}`, tandem, digits),
    ...peers.map((peer) => column(`${name} × ${peer}`, ratio(peer), 2)),
    column(`floor ${name}${unit}`, read('floor', figure), digits),
  ];
}

const ROW = column<RowReport>('row', (row) => row.name);
const cpu = (process: string) =>
  column<RowReport>(`${process} CPU-ms`, (row) => row.runs[0].cpuMsPerDelivery[process], 2);

/** Tandem's latency and throughput, each as a ratio to the bare call and to the hand-written saga. */
export const LATENCY_COLUMNS: Column<RowReport>[] = [
  ROW,
  column('n', (row) => String(row.runs[0].count)),
  ...withPeers('deliveries/s', '', (run) => run.perSecond, ['bare', 'saga']),
  ...withPeers('p50', ' ms', (run) => run.p50Ms, ['bare', 'saga']),
  ...withPeers('p99', ' ms', (run) => run.p99Ms, ['bare', 'saga']),
  column('202 p50/p99 ms', ({ runs: [{ acceptedMs: a }] }) =>
    a ? `${fixed(a.p50)} / ${fixed(a.p99)}` : '',
  ),
  column('failures', ({ runs }) =>
    String(runs.reduce((n, run) => n + (run?.failures.length ?? 0), 0)),
  ),
  column('load', (row) => row.loadAverage1m, 2),
];

/** What a Tandem delivery cost: CPU by process, history, server round trips, worker memory. */
const COST_COLUMNS: Column<RowReport>[] = [
  ROW,
  ...['server', 'worker', 'gateway', 'driver', 'targets'].map(cpu),
  ...withPeers('CPU-ms', '', cpuTotal, ['bare', 'saga'], 2),
  ...withPeers('events', '', (run) => run.history?.events, ['saga'], 0),
  column('bytes', (row) => row.runs[0].history?.bytes, 0),
  column('WFT', (row) => row.runs[0].history?.workflowTasks),
  column('matching tasks', (row) => row.serverPerDelivery.poll_success),
  column('eager WF', (row) => row.serverPerDelivery.workflow_eager_execution, 2),
  column('eager act.', (row) => row.serverPerDelivery.activity_eager_execution, 2),
  column('worker RSS MiB', (row) => mib(row.workerRssPeakBytes), 0),
  column('gateway RSS MiB', (row) => mib(row.gatewayRssPeakBytes ?? NaN), 0),
  column('p50 split ms', ({ runs: [{ phasesP50Ms: p }] }) =>
    [p.toFirstRequest, p.atTargets, p.afterLastAnswer].map((ms) => fixed(ms, 0)).join(' / '),
  ),
];

/** Each flooded row's flood, and the goal read against the same row quiet. */
function floodLines(rows: readonly RowReport[]): string[] {
  const verdict = (met: boolean) => (met ? 'met' : 'missed');
  const p99 = (row?: RowReport) => row?.runs[0].acceptedMs?.p99 ?? NaN;
  return rows.flatMap((flooded) => {
    const { name, flood, gatewayRssPeakBytes = NaN } = flooded;
    if (flood === undefined) return [];
    const answers = Object.entries(flood.answers).map(([status, n]) => `${status}×${n}`);
    const ratio = p99(flooded) / p99(rows.find((row) => `${row.name} flooded` === name));
    return [
      `${name}: the flood sent ${flood.requests} requests, ${fixed(mib(flood.bytesSent), 0)} MiB; answers ${answers.join(', ')}`,
      `goal: 202 p99 within ${HOSTILE_GOAL.p99Ratio}× of quiet (${fixed(ratio, 2)}×: ${verdict(ratio <= HOSTILE_GOAL.p99Ratio)}), ` +
        `gateway RSS under ${mib(HOSTILE_GOAL.gatewayRssBytes)} MiB (${verdict(gatewayRssPeakBytes < HOSTILE_GOAL.gatewayRssBytes)})`,
    ];
  });
}

export function formatReport(report: BenchReport, style: Style): string {
  const { host, rows, parked } = report;
  const sections = [
    [
      `${host.cpus} CPUs (${host.model}), load average ${fixed(host.loadAverage1m, 2)} at start; ` +
        `${fixed(report.durationS, 0)} s in all; against the Temporal dev server`,
    ],
    titled(LATENCY_TITLE, table(LATENCY_COLUMNS, rows, style), style),
    titled(COST_TITLE, table(COST_COLUMNS, rows, style), style, COST_NOTE),
  ];
  const flooded = floodLines(rows);
  if (flooded.length > 0) sections.push(flooded);
  if (parked) {
    sections.push([
      `${parked.name}: ${parked.parked} of ${parked.asked} asked parked (start capped by time) in ${fixed(parked.secondsToPark, 0)} s; ` +
        `worker RSS ${fixed(mib(parked.workerRssBeforeBytes), 0)} MiB before, ${fixed(mib(parked.workerRssAfterBytes), 0)} MiB after ` +
        `(load ${fixed(parked.loadAverage1m, 2)})`,
    ]);
  }
  return sections.map((lines) => lines.join('\n')).join('\n\n');
}

const LATENCY_TITLE =
  'Latency and throughput of Tandem, as ratios to the bare Promise.allSettled and the hand-written saga, the floor beside';
const COST_TITLE =
  'Cost per Tandem delivery: CPU-ms by process (from /proc), history, server round trips, worker RSS';
const COST_NOTE =
  '(CPU-ms: every process a side uses, the bare one: driver and targets; p50 split: start → first request / at the targets / last answer → end; matching tasks: tasks handed out by matching)';
