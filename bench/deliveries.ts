/**
 * `npm run bench`: what durability costs, Tandem beside the bare `Promise.allSettled` baseline
 * (BENCHMARKS.md, "Method", says what it runs and which flags it takes). Progress goes to
 * stderr. Exits non-zero when any delivery fails.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import type { BenchReport } from './bench-report';
import { runHostile, type HostileReport } from './hostile';
import { parseBenchArgs, rowsFor } from './options';
import { runParked, type ParkedReport } from './parked';
import { loadAverage } from './processes';
import { formatReport } from './report';
import { runRow, type RowReport } from './row';
import { BenchSystem } from './system';

/**
 * Stops `system` at the first SIGINT or SIGTERM, then exits: its processes run in groups of
 * their own, so no signal reaches them. The handler stays installed: under `npm run bench` the
 * signal arrives twice (the terminal's, then tsx relaying it), and the second must not end the
 * bench halfway through stopping.
 */
function stopOnSignal(system: BenchSystem, log: (line: string) => void): () => void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping every process the bench started…`);
    void system.stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const rows = rowsFor(options);
  const log = (line: string) => console.error(line);
  if (rows.length === 0) throw new Error('No row left to run: see --only and --skip.');
  const started = Date.now();
  const host = {
    cpus: availableParallelism(),
    model: cpus()[0]?.model ?? 'unknown',
    loadAverage1m: loadAverage(),
  };
  const maxConcurrency = Math.max(...rows.map((r) => r.concurrency));
  const system = await BenchSystem.start(Math.max(100, maxConcurrency), log);
  const unwatch = stopOnSignal(system, log);
  const reports: RowReport[] = [];
  let parked: ParkedReport | undefined;
  let hostile: HostileReport | undefined;
  try {
    for (const row of rows) {
      const running = await system.prepare(row.setup);
      if (row.kind === 'parked') parked = await runParked(running, row, log);
      else if (row.kind === 'hostile') hostile = await runHostile(running, row, log);
      else reports.push(await runRow(running, row, log));
    }
  } finally {
    await system.stop();
    unwatch();
  }
  const first = reports[0];
  const report: BenchReport = {
    options,
    host,
    startedAt: new Date(started).toISOString(),
    durationS: (Date.now() - started) / 1000,
    rows: reports,
    ...(parked && { parked }),
    ...(hostile && { hostile }),
    runs: first?.runs ?? ([] as unknown as RowReport['runs']),
    ratio: { perSecond: first?.ratio.perSecond ?? NaN, p50: first?.ratio.p50 ?? NaN },
  };
  console.log(formatReport(report, 'terminal'));
  const json = JSON.stringify(report);
  if (options.out !== undefined) await writeFile(options.out, `${json}\n`);
  // One line, printed last, so `tail -n 1` finds it.
  if (options.json) console.log(json);
  const failures = [
    ...reports.flatMap((r) =>
      r.runs.flatMap((run) => run.failures.map((f) => `${r.name}, ${run.name}: ${f}`)),
    ),
    ...(parked?.failures ?? []).map((f) => `${parked!.name}: ${f}`),
    ...(hostile ? [...hostile.quiet.failures, ...hostile.flooded.failures] : []).map(
      (f) => `${hostile!.name}: ${f}`,
    ),
  ];
  for (const failure of failures.slice(0, 5)) console.error(failure);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
