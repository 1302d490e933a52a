/**
 * `npx tsx bench/tables.ts FILE`: the report's tables as Markdown, from bench JSON, for
 * BENCHMARKS.md. To compare two runs, render each: their rows come in the matrix's order.
 */
import { readFile } from 'node:fs/promises';
import { formatReport, type BenchReport } from './columns';
import { runMain } from './processes';

async function main(): Promise<void> {
  const [file] = process.argv.slice(2);
  if (file === undefined) throw new Error('Usage: npx tsx bench/tables.ts FILE');
  const report = JSON.parse(await readFile(file, 'utf8')) as BenchReport;
  console.log(formatReport(report, 'markdown'));
}

runMain(main);
