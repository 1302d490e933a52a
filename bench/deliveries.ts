/**
 * `npm run bench`: what durability costs, as a reproducible report. Each row sends deliveries
 * through Tandem (real Temporal server, workers, targets and gateway each in a process of
 * their own, this process driving) and the same requests as a bare `Promise.allSettled`, side by
 * side, and reports latency, throughput, CPU-ms per delivery of every process, history cost,
 * server round trips and worker memory.
 *
 * - `npm run bench`: the standard matrix; `--quick`: a smaller one. Rows are capped by time so the
 *   matrix is sized for about 5 minutes (`--quick`: about 1); on a loaded machine the deliveries in
 *   flight at each cap take longer to drain, and the report prints its own duration.
 * - `--levers`: the lever comparison rows instead.
 * - `--deliveries N --concurrency C --latency-ms MS [--legs L]`: one custom row.
 * - Setup flags, for any of these: `--partitions N`, `--transfer-reads N`, `--workflow-pollers N|autoscaling`,
 *   `--activity-pollers N|autoscaling`, `--cache N`, `--starter client|app|gateway`,
 *   `--eager-start`, `--bulkhead on|off`. `--only TEXT` keeps the rows whose name contains TEXT,
 *   `--skip TEXT` drops them.
 * - `--parked N`: the parked row parks N deliveries, uncapped (`--only parked --parked 10000`).
 * - `--only hostile`: the hostile row alone (an app at 10/s through the gateway, quiet, then
 *   while another client floods it with deep 1 MiB bodies and wrong keys).
 * - `--json`: the report as one JSON line, printed last; `--out FILE` also writes it to FILE.
 * - `--cpu-prof DIR`: the worker and gateway processes write V8 CPU profiles to DIR
 *   (summarised by `npx tsx bench/profile.ts DIR`).
 * - `--cluster`: against a fresh `tandem cluster` (PostgreSQL and Temporal's four services as
 *   processes) instead of the dev server; `--shards N` its history shards (default 4). Rows of
 *   dev-server levers (partitions) are skipped there, each with a printed reason.
 * - `--worker-processes N`: N identical worker processes on the same task queues (default 1).
 * - `--cluster --scaling`: one saturated row per count of history shards {1, 4, 16} and worker
 *   processes {1, 2, 4}, a fresh cluster per count of shards, and the scaling table.
 *
 * Progress goes to stderr. Exits non-zero when any delivery fails.
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
import { BenchSystem, type ServerKind } from './system';

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
  const { rows, skipped } = rowsFor(options);
  const log = (line: string) => console.error(line);
  for (const line of skipped) log(line);
  if (rows.length === 0) throw new Error('No row left to run: see --only, --skip and the above.');
  const serverKind: ServerKind = options.cluster ? 'cluster' : 'dev';
  const started = Date.now();
  const host = {
    cpus: availableParallelism(),
    model: cpus()[0]?.model ?? 'unknown',
    loadAverage1m: loadAverage(),
  };
  const maxConcurrency = Math.max(...rows.map((r) => r.concurrency));
  const nodeFlags =
    options.cpuProf === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`];
  const system = await BenchSystem.start(Math.max(100, maxConcurrency), log, nodeFlags, serverKind);
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
    server: serverKind,
    startedAt: new Date(started).toISOString(),
    durationS: (Date.now() - started) / 1000,
    rows: reports,
    skipped,
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
