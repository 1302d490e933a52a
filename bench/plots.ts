/**
 * `npm run bench:plots -- AFTER.json [--before BEFORE.json] [--out DIR]`: renders the report's
 * plots from bench JSON (`npm run bench -- --out FILE`) with Vega-Lite, to SVG files in DIR
 * (default bench/results): the latency ratio against target latency, and throughput against
 * concurrency, each with the bare baseline and, given `--before`, the earlier run beside.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchReport } from './bench-report';
import { P50, P99, PER_SECOND, type Column } from './columns';
import type { RowReport } from './row';

interface Point {
  run: string;
  x: number;
  y: number;
}

/** p50 ratio (Tandem / bare) of the concurrency-1 rows, by target latency. */
function ratioPoints(report: BenchReport, label: string): Point[] {
  return report.rows
    .filter((row) => row.concurrency === 1 && (row.group === 'idle' || row.group === 'latency'))
    .flatMap((row) => {
      const run = `${label}${isFast(row) ? ', fast path' : ''}`;
      return [
        { run: `${run} p50`, x: row.latencyMs, y: figure(P50.ratio, row) },
        { run: `${run} p99`, x: row.latencyMs, y: figure(P99.ratio, row) },
      ];
    });
}

/** A point's height: the figure the report's column shows. */
function figure(column: Column<RowReport>, row: RowReport): number {
  return Number(column.figure(row));
}

function isFast(row: RowReport): boolean {
  return row.name.startsWith('fast: ');
}

/** Deliveries per second of the 20 ms concurrency rows, Tandem and bare. */
function throughputPoints(report: BenchReport, label: string): Point[] {
  return report.rows
    .filter((row) => row.group === 'concurrency' && !isFast(row))
    .flatMap((row) => [
      { run: `${label} Tandem`, x: row.concurrency, y: figure(PER_SECOND.tandem, row) },
      { run: `${label} bare allSettled`, x: row.concurrency, y: figure(PER_SECOND.bare, row) },
    ]);
}

function spec(title: string, x: string, y: string, points: Point[], logY: boolean) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 300,
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: x },
      y: {
        field: 'y',
        type: 'quantitative',
        title: y,
        ...(logY && { scale: { type: 'log' } }),
      },
      color: { field: 'run', type: 'nominal', title: null },
    },
  };
}

async function render(vlSpec: ReturnType<typeof spec>): Promise<string> {
  const vegaLite = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vegaLite.compile(vlSpec as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  return view.toSVG();
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { before: { type: 'string' }, out: { type: 'string' } },
  });
  const [afterFile] = positionals;
  if (afterFile === undefined) {
    throw new Error('Usage: npm run bench:plots -- AFTER.json [--before BEFORE.json] [--out DIR]');
  }
  const read = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as BenchReport;
  const runs: [BenchReport, string][] = [[await read(afterFile), 'now']];
  if (values.before !== undefined) runs.push([await read(values.before), 'before']);
  const out = values.out ?? path.join(__dirname, 'results');

  const ratio = spec(
    'Tandem latency / bare Promise.allSettled, concurrency 1',
    'target latency (ms)',
    'ratio (x)',
    runs.flatMap(([report, label]) => ratioPoints(report, label)),
    true,
  );
  const throughput = spec(
    'Throughput against concurrency, targets answering in 20 ms',
    'concurrency',
    'deliveries per second',
    runs.flatMap(([report, label]) => throughputPoints(report, label)),
    true,
  );
  await writeFile(path.join(out, 'latency-ratio.svg'), await render(ratio));
  await writeFile(path.join(out, 'throughput.svg'), await render(throughput));
  console.log(`Wrote latency-ratio.svg and throughput.svg to ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
