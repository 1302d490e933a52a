/**
 * `npx tsx bench/tables.ts FILE [BEFORE]`: the report's tables as Markdown, from bench JSON, for
 * BENCHMARKS.md; given BEFORE, a before/after table of the rows both runs share; given
 * `--beside DEV_SERVER_FILE` (FILE a `--cluster` run), the shared rows side by side.
 */
import { readFile } from 'node:fs/promises';
import type { BenchReport } from './bench-report';
import {
  CLUSTER_CPU,
  MATCHING_TASKS,
  P50,
  P99,
  PER_SECOND,
  ROW,
  SERVER_CPU,
  TOTAL_CPU,
  WORKER_CPU,
  of,
  paired,
  table,
  type Column,
} from './columns';
import { formatReport } from './report';
import type { RowReport } from './row';

type Pair = readonly [RowReport, RowReport];

/** The rows of `second` that `first` has too, in `second`'s order, each after its namesake. */
function shared(first: BenchReport, second: BenchReport): Pair[] {
  const byName = new Map(first.rows.map((row) => [row.name, row]));
  return second.rows.flatMap((row) => {
    const other = byName.get(row.name);
    return other ? [[other, row] as const] : [];
  });
}

/** The rows both runs share: the earlier figures, then the new ones. */
function beforeAfter(now: BenchReport, before: BenchReport): string[] {
  const columns: Column<Pair>[] = [
    of(0, '', ROW),
    ...paired(
      ['before', 'now'],
      [P50.ratio, P99.ratio, PER_SECOND.tandem, TOTAL_CPU, MATCHING_TASKS],
    ),
  ];
  return table(columns, shared(before, now), 'markdown');
}

/** A cluster run's rows beside the dev server's of the same names, server CPU by process. */
function beside(cluster: BenchReport, dev: BenchReport): string[] {
  const labels = ['dev', 'cluster'] as const;
  const columns: Column<Pair>[] = [
    of(0, '', ROW),
    ...paired(labels, [PER_SECOND.tandem, P50.tandem, P99.tandem, SERVER_CPU]),
    ...CLUSTER_CPU.map((column) => of(1, '', column)),
    ...paired(labels, [WORKER_CPU, MATCHING_TASKS]),
  ];
  return table(columns, shared(dev, cluster), 'markdown');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--beside');
  const devFile = at === -1 ? undefined : args.splice(at, 2)[1];
  const [file, beforeFile] = args;
  if (file === undefined) {
    throw new Error('Usage: npx tsx bench/tables.ts FILE [BEFORE] [--beside DEV_SERVER_FILE]');
  }
  const read = async (f: string) => JSON.parse(await readFile(f, 'utf8')) as BenchReport;
  const report = await read(file);
  const parts = [formatReport(report, 'markdown')];
  if (beforeFile !== undefined) parts.push(beforeAfter(report, await read(beforeFile)).join('\n'));
  if (devFile !== undefined) parts.push(beside(report, await read(devFile)).join('\n'));
  console.log(parts.join('\n\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
