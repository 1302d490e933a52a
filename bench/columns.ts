/**
 * The report's columns, each declared once (heading, unit, how an item's figure is shown, its
 * ratio to the bare baseline), and the one function that renders them, to the terminal or to
 * Markdown: the printed report and the tables of BENCHMARKS.md read the same figures.
 */
import type { RowReport, RunReport } from './row';

/** Where a table goes: padded columns on the terminal, or a Markdown pipe table. */
export type Style = 'terminal' | 'markdown';

/** One column of a table of `T`s. */
export interface Column<T> {
  header: string;
  /** After the header (`ms`, `MiB`); joined without a space when it starts with `/`. */
  unit?: string;
  /** The item's figure: a number, shown with `digits` decimals, or text shown as it is. */
  figure: (item: T) => number | string | undefined;
  digits?: number;
}

const MIB = 1024 * 1024;

/** A figure as a cell: `–` where there is none (no gateway on that row, nothing to divide). */
export function fixed(value: number | undefined, digits = 1): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function heading(column: Pick<Column<never>, 'header' | 'unit'>): string {
  const { header, unit } = column;
  if (unit === undefined) return header;
  return unit.startsWith('/') ? `${header}${unit}` : `${header} ${unit}`;
}

/** The table's lines: the heading, (in Markdown, the alignment rule), a line per item. */
export function table<T>(columns: readonly Column<T>[], items: readonly T[], style: Style) {
  const lines = [
    columns.map(heading),
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

/** A titled table: in Markdown a blank line parts the title from the table. */
export function titled<T>(
  title: string,
  columns: readonly Column<T>[],
  items: readonly T[],
  style: Style,
) {
  return [title, ...(style === 'markdown' ? [''] : []), ...table(columns, items, style)];
}

/** A column in one line: heading, figure, decimals, unit. */
export function column<T>(
  header: string,
  figure: Column<T>['figure'],
  digits?: number,
  unit?: string,
): Column<T> {
  return { header, figure, digits, unit };
}

/** A figure of a row's run, Tandem's and the bare baseline's, and their ratio. */
function sides(header: string, unit: string, key: keyof RowReport['ratio']) {
  const pick = (run: RunReport) => (key === 'perSecond' ? run.perSecond : run[`${key}Ms` as const]);
  const tandem = column<RowReport>(header, (row) => pick(row.runs[0]), 1, unit);
  const bare = column<RowReport>(`bare ${header}`, (row) => pick(row.runs[1]), 1, unit);
  const ratio = column<RowReport>(`${header} ×`, (row) => row.ratio[key], 2);
  return { tandem, bare, ratio, all: [tandem, bare, ratio] };
}

/** Every row's name, the first column of each row table. */
export const ROW = column<RowReport>('row', (row) => row.name);
export const PER_SECOND = sides('deliveries', '/s', 'perSecond');
export const P50 = sides('p50', 'ms', 'p50');
export const P99 = sides('p99', 'ms', 'p99');
/** CPU-ms per Tandem delivery of one kind of process. */
const cpu = (process: string) =>
  column<RowReport>(process, (row) => row.runs[0].cpuMsPerDelivery[process], 2, 'CPU-ms');
/** All of Tandem's processes together, per delivery. */
export const TOTAL_CPU = column<RowReport>(
  'all',
  (row) => Object.values(row.runs[0].cpuMsPerDelivery).reduce((sum, ms) => sum + ms, 0),
  0,
  'CPU-ms',
);
export const MATCHING_TASKS = column<RowReport>(
  'matching tasks',
  (row) => row.serverPerDelivery.poll_success,
);

/** Latency and throughput, Tandem beside the bare `Promise.allSettled`. */
export const LATENCY_COLUMNS: Column<RowReport>[] = [
  ROW,
  column('n', (row) => String(row.runs[0].count)),
  PER_SECOND.tandem,
  PER_SECOND.bare,
  ...P50.all,
  ...P99.all,
  column(
    '202 p50/p99',
    ({ runs: [{ acceptedMs: a }] }) => (a ? `${fixed(a.p50)} / ${fixed(a.p99)}` : ''),
    1,
    'ms',
  ),
  column('failures', ({ runs }) => String(runs[0].failures.length + runs[1].failures.length)),
  column('load', (row) => row.loadAverage1m, 2),
];

/** What a Tandem delivery cost: CPU by process, history, server round trips, worker memory. */
export const COST_COLUMNS: Column<RowReport>[] = [
  ROW,
  ...['server', 'worker', 'gateway', 'driver', 'targets'].map(cpu),
  column(
    'bare (driver+targets)',
    ({ runs: [, { cpuMsPerDelivery: bare }] }) => (bare.driver ?? NaN) + (bare.targets ?? NaN),
    2,
    'CPU-ms',
  ),
  column('events', (row) => row.history.events, 0),
  column('bytes', (row) => row.history.bytes, 0),
  column('WFT', (row) => row.history.workflowTasks),
  MATCHING_TASKS,
  column('eager WF', (row) => row.serverPerDelivery.workflow_eager_execution, 2),
  column('eager act.', (row) => row.serverPerDelivery.activity_eager_execution, 2),
  column('worker RSS', (row) => row.workerRssPeakBytes / MIB, 0, 'MiB'),
  column(
    'p50 split',
    ({ runs: [{ phasesP50Ms: p }] }) =>
      [p.toFirstRequest, p.atTargets, p.afterLastAnswer].map((ms) => fixed(ms, 0)).join(' / '),
    1,
    'ms',
  ),
];

/** The note under the cost table. */
export const COST_NOTE =
  '(p50 split: start → first request / at the targets / last answer → end; matching tasks: tasks handed out by matching)';

/** A column of one of two reports' rows of the same name, its heading followed by `label`. */
export function of(index: 0 | 1, label: string, { digits, ...rest }: Column<RowReport>) {
  const figure = (pair: readonly [RowReport, RowReport]) => rest.figure(pair[index]);
  return column(`${heading(rest)} ${label}`.trim(), figure, digits);
}

/** Each column twice: the first report's figure, then the second's. */
export function paired(labels: readonly [string, string], columns: readonly Column<RowReport>[]) {
  return columns.flatMap((column) => [of(0, labels[0], column), of(1, labels[1], column)]);
}
