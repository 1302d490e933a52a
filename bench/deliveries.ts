/**
 * `npm run bench`: what durability costs, Tandem beside the bare `Promise.allSettled` baseline
 * (BENCHMARKS.md, "Method", says what it runs and which flags it takes). Progress goes to
 * stderr. Exits non-zero when any delivery fails.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { runHostile } from './hostile';
import { parseBenchArgs, rowsFor } from './options';
import { runParked } from './parked';
import { loadAverage } from './processes';
import { formatReport, type BenchReport } from './report';
import { runRow } from './row';
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
  const model = cpus()[0]?.model ?? 'unknown';
  const host = { cpus: availableParallelism(), model, loadAverage1m: loadAverage() };
  const concurrency = Math.max(100, ...rows.map((r) => r.concurrency));
  const system = await BenchSystem.start(concurrency, log);
  const unwatch = stopOnSignal(system, log);
  const report: BenchReport = {
    options,
    host,
    startedAt: new Date(started).toISOString(),
    durationS: 0,
    rows: [],
  };
  const failures: string[] = [];
  try {
    for (const row of rows) {
      const running = await system.prepare(row.setup);
      let failed: string[];
      if (row.kind === 'parked') {
        report.parked = await runParked(running, row, log);
        failed = report.parked.failures;
      } else if (row.kind === 'hostile') {
        report.hostile = await runHostile(running, row, log);
        failed = [...report.hostile.quiet.failures, ...report.hostile.flooded.failures];
      } else {
        const done = await runRow(running, row, log);
        report.rows.push(done);
        failed = done.runs.flatMap((run) => run.failures.map((f) => `${run.name}: ${f}`));
      }
      failures.push(...failed.map((f) => `${row.name}, ${f}`));
    }
  } finally {
    await system.stop();
    unwatch();
  }
  report.durationS = (Date.now() - started) / 1000;
  console.log(formatReport(report, 'terminal'));
  if (options.out !== undefined) await writeFile(options.out, `${JSON.stringify(report)}\n`);
  for (const failure of failures.slice(0, 5)) console.error(failure);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
