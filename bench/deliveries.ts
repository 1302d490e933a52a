/**
 * `npm run bench`: what durability costs, Tandem beside the bare `Promise.allSettled` baseline
 * (BENCHMARKS.md, "Method", says what it runs and which flags it takes). Progress goes to
 * stderr. Exits non-zero when any delivery fails.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseBenchArgs, rowsFor } from './options';
import { formatReport, type BenchReport } from './columns';
import { runMain } from './processes';
import { runRow } from './row';
import { runParked } from './stress';
import { startSystem } from './system';

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const rows = rowsFor(options);
  const log = (line: string) => console.error(line);
  if (rows.length === 0) throw new Error('No row left to run: see --only and --skip.');
  const started = Date.now();
  const host = { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown' };
  const report: BenchReport = {
    options,
    host: { ...host, loadAverage1m: loadavg()[0]! },
    startedAt: new Date(started).toISOString(),
    durationS: 0,
    rows: [],
  };
  const system = await startSystem(Math.max(100, ...rows.map((r) => r.concurrency)), log);
  // The processes run in groups of their own, so no signal reaches them: SIGINT or SIGTERM stops
  // them, then exits. The handler stays: under `npm run bench` the signal arrives twice (the
  // terminal's, then tsx relaying it), and the second waits on the same stop instead of ending it.
  const stop = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping every process the bench started…`);
    void system.stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  const failures: string[] = [];
  try {
    for (const row of rows) {
      const running = await system.prepare(row.setup);
      let failed: string[];
      if (row.kind === 'parked') {
        failed = (report.parked = await runParked(running, row, log)).failures;
      } else {
        const done = await runRow(running, row, log);
        report.rows.push(done);
        failed = done.runs.flatMap((run) => run?.failures.map((f) => `${run.name}: ${f}`) ?? []);
      }
      failures.push(...failed.map((f) => `${row.name}, ${f}`));
    }
  } finally {
    await system.stop();
  }
  report.durationS = (Date.now() - started) / 1000;
  console.log(formatReport(report, 'terminal'));
  if (options.out !== undefined) await writeFile(options.out, `${JSON.stringify(report)}\n`);
  for (const failure of failures.slice(0, 5)) console.error(failure);
  if (failures.length > 0) process.exitCode = 1;
}

runMain(main);
