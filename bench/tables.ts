/**
 * `npx tsx bench/tables.ts FILE [BEFORE]`: the report's tables as Markdown, from bench JSON, for
 * BENCHMARKS.md; given BEFORE, a before/after table of the rows both runs share.
 */
import { readFile } from 'node:fs/promises';
import { formatReport, type BenchReport } from './report';
import {
  MATCHING_TASKS,
  P50,
  P99,
  PER_SECOND,
  ROW,
  TOTAL_CPU,
  of,
  paired,
  table,
  type Column,
} from './columns';
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

async function main(): Promise<void> {
  const [file, beforeFile] = process.argv.slice(2);
  if (file === undefined) throw new Error('Usage: npx tsx bench/tables.ts FILE [BEFORE]');
  const read = async (f: string) => JSON.parse(await readFile(f, 'utf8')) as BenchReport;
  const report = await read(file);
  const parts = [formatReport(report, 'markdown')];
  if (beforeFile !== undefined) parts.push(beforeAfter(report, await read(beforeFile)).join('\n'));
  console.log(parts.join('\n\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
