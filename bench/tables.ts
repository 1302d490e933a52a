/**
 * `npx tsx bench/tables.ts FILE [BEFORE]`: the report's tables as Markdown, from bench JSON, for
 * BENCHMARKS.md; given BEFORE, a before/after table of the rows both runs share.
 */
import { readFile } from 'node:fs/promises';
import {
  MATCHING_TASKS,
  P50,
  P99,
  PER_SECOND,
  TOTAL_CPU,
  column,
  formatReport,
  paired,
  table,
  type BenchReport,
  type Pair,
} from './columns';

/** The rows both runs share, in the new run's order: the earlier figures, then the new ones. */
function beforeAfter(now: BenchReport, before: BenchReport): string[] {
  const pairs = now.rows.flatMap((row) => {
    const earlier = before.rows.find((other) => other.name === row.name);
    return earlier ? [[earlier, row] as const] : [];
  });
  const compared = [P50.ratio, P99.ratio, PER_SECOND.tandem, TOTAL_CPU, MATCHING_TASKS];
  const columns = [
    column('row', ([row]: Pair) => row.name),
    ...paired(['before', 'now'], compared),
  ];
  return table(columns, pairs, 'markdown');
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
