/**
 * `npm run bench`: what durability costs, as a reproducible report. Each row sends deliveries
 * through Tandem (real Temporal dev server, workers, targets and gateway each in a process of
 * their own, this process driving) and the same requests as a bare `Promise.allSettled`, side by
 * side, and reports latency, throughput, CPU-ms per delivery of every process, history cost,
 * server round trips and worker memory.
 *
 * - `npm run bench`: the standard matrix; `--quick`: a smaller one. Rows are capped by time so the
 *   matrix is sized for about 5 minutes (`--quick`: about 1); on a loaded machine the deliveries in
 *   flight at each cap take longer to drain, and the report prints its own duration.
 * - `--levers`: the lever comparison rows instead.
 * - `--deliveries N --concurrency C --latency-ms MS [--legs L]`: one custom row.
 * - Setup flags, for any of these: `--partitions N`, `--workflow-pollers N|autoscaling`,
 *   `--activity-pollers N|autoscaling`, `--cache N`, `--starter client|app|gateway`,
 *   `--eager-start`, `--bulkhead on|off`. `--only TEXT` keeps the rows whose name contains TEXT,
 *   `--skip TEXT` drops them.
 * - `--json`: the report as one JSON line, printed last; `--out FILE` also writes it to FILE.
 * - `--cpu-prof DIR`: the worker and gateway processes write V8 CPU profiles to DIR
 *   (summarised by `npx tsx bench/profile.ts DIR`).
 *
 * Progress goes to stderr. Exits non-zero when any delivery fails.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { customRow, leverRows, standardRows, DEFAULTS, type RowSpec, type Setup } from './matrix';
import { runParked, type ParkedReport } from './parked';
import { loadAverage } from './processes';
import { formatReport } from './report';
import { runRow, type RowReport } from './row';
import { BenchSystem } from './system';

const pollers = z.union([z.literal('autoscaling'), z.coerce.number().int().positive()]);

const optionsSchema = z.strictObject({
  deliveries: z.coerce.number().int().positive().optional(),
  concurrency: z.coerce.number().int().positive().optional(),
  latencyMs: z.coerce.number().int().nonnegative().optional(),
  legs: z.coerce.number().int().min(1).max(8).optional(),
  quick: z.boolean().default(false),
  levers: z.boolean().default(false),
  json: z.boolean().default(false),
  out: z.string().optional(),
  only: z.string().optional(),
  skip: z.string().optional(),
  partitions: z.union([z.literal('default'), z.coerce.number().int().positive()]).optional(),
  workflowPollers: pollers.optional(),
  activityPollers: pollers.optional(),
  cache: z.coerce.number().int().nonnegative().optional(),
  starter: z.enum(['client', 'app', 'gateway']).optional(),
  eagerStart: z.boolean().optional(),
  bulkhead: z.enum(['on', 'off']).optional(),
  cpuProf: z.string().optional(),
});

/** The benchmark's flags, parsed. */
export type BenchOptions = z.output<typeof optionsSchema>;

/** The whole report, as printed and as `--json` prints it. */
export interface BenchReport {
  options: BenchOptions;
  host: { cpus: number; model: string; loadAverage1m: number };
  startedAt: string;
  durationS: number;
  rows: RowReport[];
  parked?: ParkedReport;
  /** The first row's, where the single-row bench had them. */
  runs: RowReport['runs'];
  ratio: { perSecond: number; p50: number };
}

function parseBenchArgs(args: readonly string[]): BenchOptions {
  const text = { type: 'string' } as const;
  const flag = { type: 'boolean' } as const;
  const { values } = parseArgs({
    args: [...args],
    options: {
      deliveries: text,
      concurrency: text,
      'latency-ms': text,
      legs: text,
      quick: flag,
      levers: flag,
      json: flag,
      out: text,
      only: text,
      skip: text,
      partitions: text,
      'workflow-pollers': text,
      'activity-pollers': text,
      cache: text,
      starter: text,
      'eager-start': flag,
      bulkhead: text,
      'cpu-prof': text,
    },
  });
  const {
    'latency-ms': latencyMs,
    'workflow-pollers': workflowPollers,
    'activity-pollers': activityPollers,
    'eager-start': eagerStart,
    'cpu-prof': cpuProf,
    ...plain
  } = values;
  const result = optionsSchema.safeParse({
    ...plain,
    latencyMs,
    workflowPollers,
    activityPollers,
    eagerStart,
    cpuProf,
  });
  if (!result.success) throw new Error(`Invalid bench flags:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** The setup flags applied over `setup`. */
function withFlags(setup: Setup, o: BenchOptions): Setup {
  const { partitions, ...rest } = setup;
  return {
    ...rest,
    ...(o.partitions === undefined
      ? partitions !== undefined && { partitions }
      : o.partitions !== 'default' && { partitions: o.partitions }),
    ...(o.workflowPollers !== undefined && { workflowPollers: o.workflowPollers }),
    ...(o.activityPollers !== undefined && { activityPollers: o.activityPollers }),
    ...(o.cache !== undefined && { maxCachedWorkflows: o.cache }),
    ...(o.starter !== undefined && { starter: o.starter }),
    ...(o.eagerStart !== undefined && { eagerStart: o.eagerStart }),
    ...(o.bulkhead !== undefined && { bulkhead: o.bulkhead === 'on' }),
  };
}

function rowsFor(o: BenchOptions): RowSpec[] {
  const custom = o.deliveries ?? o.concurrency ?? o.latencyMs ?? o.legs;
  const rows =
    custom !== undefined
      ? [
          customRow({
            deliveries: o.deliveries ?? 200,
            concurrency: o.concurrency ?? 20,
            latencyMs: o.latencyMs ?? 50,
            legs: o.legs ?? 2,
            setup: DEFAULTS,
          }),
        ]
      : o.levers
        ? leverRows({ quick: o.quick })
        : standardRows({ quick: o.quick });
  return rows
    .filter((row) => o.only === undefined || row.name.includes(o.only))
    .filter((row) => o.skip === undefined || !row.name.includes(o.skip))
    .map((row) => (o.levers ? row : { ...row, setup: withFlags(row.setup, o) }));
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const rows = rowsFor(options);
  if (rows.length === 0) throw new Error(`No row's name contains "${options.only}".`);
  const log = (line: string) => console.error(line);
  const started = Date.now();
  const host = {
    cpus: availableParallelism(),
    model: cpus()[0]?.model ?? 'unknown',
    loadAverage1m: loadAverage(),
  };
  const maxConcurrency = Math.max(...rows.map((r) => r.concurrency));
  const nodeFlags =
    options.cpuProf === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`];
  const system = await BenchSystem.start(Math.max(100, maxConcurrency), log, nodeFlags);
  const reports: RowReport[] = [];
  let parked: ParkedReport | undefined;
  try {
    for (const row of rows) {
      const running = await system.prepare(row.setup);
      if (row.group === 'parked') parked = await runParked(running, row, log);
      else reports.push(await runRow(running, row, log));
    }
  } finally {
    await system.stop();
  }
  const first = reports[0];
  const report: BenchReport = {
    options,
    host,
    startedAt: new Date(started).toISOString(),
    durationS: (Date.now() - started) / 1000,
    rows: reports,
    ...(parked && { parked }),
    runs: first?.runs ?? ([] as unknown as RowReport['runs']),
    ratio: { perSecond: first?.ratio.perSecond ?? NaN, p50: first?.ratio.p50 ?? NaN },
  };
  console.log(formatReport(report));
  const json = JSON.stringify(report);
  if (options.out !== undefined) await writeFile(options.out, `${json}\n`);
  // One line, printed last, so `tail -n 1` finds it.
  if (options.json) console.log(json);
  const failures = [
    ...reports.flatMap((r) =>
      r.runs.flatMap((run) => run.failures.map((f) => `${r.name}, ${run.name}: ${f}`)),
    ),
    ...(parked?.failures ?? []).map((f) => `${parked!.name}: ${f}`),
  ];
  for (const failure of failures.slice(0, 5)) console.error(failure);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
