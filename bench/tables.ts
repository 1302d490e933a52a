/**
 * `npx tsx bench/tables.ts FILE [BEFORE]`: the report's tables as Markdown, from bench JSON, for
 * BENCHMARKS.md; given BEFORE, a before/after table of the rows both runs share; given
 * `--beside DEV_SERVER_FILE` (FILE a `--cluster` run), the shared rows side by side.
 */
import { readFile } from 'node:fs/promises';
import type { BenchReport } from './bench-report';
import { CLUSTER_PARTS } from './cluster';
import type { RowReport } from './row';
import { SCALING_HEADER, scalingCells, type ScalingLine } from './scaling';

const MIB = 1024 * 1024;
const num = (value: number | undefined, digits = 1) =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '–';

function markdown(header: readonly string[], lines: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...lines.map((line) => `| ${line.join(' | ')} |`),
  ].join('\n');
}

function latency(rows: readonly RowReport[]): string {
  return markdown(
    [
      'row',
      'n',
      'Tandem/s',
      'bare/s',
      'p50 ms',
      'bare p50',
      'p50 ×',
      'p99 ms',
      'bare p99',
      'p99 ×',
      '202 p50/p99 ms',
      'failures',
      'load',
    ],
    rows.map((row) => {
      const [t, b] = row.runs;
      return [
        row.name,
        String(t.count),
        num(t.perSecond),
        num(b.perSecond),
        num(t.p50Ms),
        num(b.p50Ms),
        num(row.ratio.p50, 2),
        num(t.p99Ms),
        num(b.p99Ms),
        num(row.ratio.p99, 2),
        t.acceptedMs ? `${num(t.acceptedMs.p50)} / ${num(t.acceptedMs.p99)}` : '',
        String(t.failures.length + b.failures.length),
        num(row.loadAverage1m, 1),
      ];
    }),
  );
}

function costs(rows: readonly RowReport[]): string {
  const byProcess = rows.some((row) => row.runs[0].serverCpuMsPerDelivery !== undefined);
  const rssSum = rows.some((row) => row.workerProcesses > 1);
  return markdown(
    [
      'row',
      'server',
      ...(byProcess ? CLUSTER_PARTS.map((part) => `· ${part}`) : []),
      'worker',
      'gateway',
      'driver',
      'targets',
      'bare (driver+targets)',
      'events',
      'bytes',
      'WFT',
      'matching tasks',
      'eager WF',
      'eager act.',
      'worker RSS MiB',
      ...(rssSum ? ['RSS sum MiB'] : []),
      'p50 split ms',
    ],
    rows.map((row) => {
      const [t, b] = row.runs;
      const cpu = t.cpuMsPerDelivery;
      const p = t.phasesP50Ms;
      const parts = t.serverCpuMsPerDelivery ?? {};
      return [
        row.name,
        num(cpu.server, 1),
        ...(byProcess ? CLUSTER_PARTS.map((part) => num(parts[part], 1)) : []),
        num(cpu.worker, 1),
        num(cpu.gateway, 1),
        num(cpu.driver, 1),
        num(cpu.targets, 1),
        num((b.cpuMsPerDelivery.driver ?? NaN) + (b.cpuMsPerDelivery.targets ?? NaN), 1),
        num(row.history.events, 0),
        num(row.history.bytes, 0),
        num(row.history.workflowTasks, 1),
        num(row.serverPerDelivery.poll_success, 1),
        num(row.serverPerDelivery.workflow_eager_execution, 2),
        num(row.serverPerDelivery.activity_eager_execution, 2),
        num(row.workerRssPeakBytes / MIB, 0),
        ...(rssSum ? [num(row.workerRssPeakSumBytes / MIB, 0)] : []),
        `${num(p.toFirstRequest, 0)} / ${num(p.atTargets, 0)} / ${num(p.afterLastAnswer, 0)}`,
      ];
    }),
  );
}

function scaling(lines: readonly ScalingLine[]): string {
  return markdown(SCALING_HEADER, lines.map(scalingCells));
}

function beforeAfter(now: BenchReport, before: BenchReport): string {
  const earlier = new Map(before.rows.map((row) => [row.name, row]));
  const shared = now.rows.filter((row) => earlier.has(row.name));
  return markdown(
    [
      'row',
      'p50 × before',
      'p50 × now',
      'p99 × before',
      'p99 × now',
      'Tandem/s before',
      'Tandem/s now',
      'CPU-ms before',
      'CPU-ms now',
      'matching tasks before',
      'now',
    ],
    shared.map((row) => {
      const old = earlier.get(row.name)!;
      const total = (r: RowReport) =>
        Object.values(r.runs[0].cpuMsPerDelivery).reduce((sum, ms) => sum + ms, 0);
      return [
        row.name,
        num(old.ratio.p50, 2),
        num(row.ratio.p50, 2),
        num(old.ratio.p99, 2),
        num(row.ratio.p99, 2),
        num(old.runs[0].perSecond),
        num(row.runs[0].perSecond),
        num(total(old), 0),
        num(total(row), 0),
        num(old.serverPerDelivery.poll_success, 1),
        num(row.serverPerDelivery.poll_success, 1),
      ];
    }),
  );
}

/** A cluster run's rows beside the dev server's of the same names, server CPU by process. */
function beside(cluster: BenchReport, dev: BenchReport): string {
  const onDev = new Map(dev.rows.map((row) => [row.name, row]));
  const shared = cluster.rows.filter((row) => onDev.has(row.name));
  const cpu = (row: RowReport, part: string) => row.runs[0].cpuMsPerDelivery[part];
  return markdown(
    [
      'row',
      'Tandem/s dev',
      'cluster',
      'p50 ms dev',
      'cluster',
      'p99 ms dev',
      'cluster',
      'server CPU-ms dev',
      'cluster',
      ...CLUSTER_PARTS.map((part) => `· ${part}`),
      'worker CPU-ms dev',
      'cluster',
      'matching tasks dev',
      'cluster',
    ],
    shared.map((row) => {
      const d = onDev.get(row.name)!;
      return [
        row.name,
        num(d.runs[0].perSecond),
        num(row.runs[0].perSecond),
        num(d.runs[0].p50Ms, 0),
        num(row.runs[0].p50Ms, 0),
        num(d.runs[0].p99Ms, 0),
        num(row.runs[0].p99Ms, 0),
        num(cpu(d, 'server')),
        num(cpu(row, 'server')),
        ...CLUSTER_PARTS.map((part) => num(row.runs[0].serverCpuMsPerDelivery?.[part])),
        num(cpu(d, 'worker')),
        num(cpu(row, 'worker')),
        num(d.serverPerDelivery.poll_success, 1),
        num(row.serverPerDelivery.poll_success, 1),
      ];
    }),
  );
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
  const parts = [latency(report.rows), '', costs(report.rows)];
  if (report.parked) {
    const p = report.parked;
    parts.push(
      '',
      `Parked: ${p.parked} of ${p.asked} asked parked in ${num(p.secondsToPark, 0)} s; worker RSS ` +
        `${num(p.workerRssBeforeBytes / MIB, 0)} MiB before, ${num(p.workerRssAfterBytes / MIB, 0)} MiB after ` +
        `(load ${num(p.loadAverage1m, 1)}).`,
    );
  }
  if (report.scaling) parts.push('', scaling(report.scaling));
  if (beforeFile !== undefined) parts.push('', beforeAfter(report, await read(beforeFile)));
  if (devFile !== undefined) parts.push('', beside(report, await read(devFile)));
  console.log(parts.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
