/**
 * `npm run bench`: what durability costs. Sends N deliveries to the two demo targets through
 * Tandem (real Temporal dev server, workers in this process), then the same N requests as two
 * plain undici calls each, both at the same concurrency against targets that answer after a set
 * latency, and prints throughput and end-to-end percentiles side by side.
 *
 * Flags: `--deliveries N` (200), `--concurrency C` (20), `--latency-ms MS` (50), `--json`.
 * Progress goes to stderr and results to stdout. Exits non-zero when any delivery fails.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { resolveHeaderSecrets } from '../src/activities/secrets';
import type { TandemClient } from '../src/client';
import type { TandemConfig } from '../src/config/schema';
import { idempotencyKeyFor, TANDEM_HEADERS } from '../src/contracts';
import type { DemoApi } from '../src/demo/apis';
import type { DemoTargets } from '../src/demo/targets';
import { startLocalSystem } from '../src/dev/local-system';
import { judgeStatus } from '../src/http/judge';

const TARGETS: readonly DemoApi[] = ['inventory', 'shipping'];
/** The secret the demo config's inventory header asks for. */
const WORKER_ENV = { INVENTORY_TOKEN: 'bench' };
const RSS_SAMPLE_EVERY_MS = 20;
const MIB = 1024 * 1024;

const optionsSchema = z.strictObject({
  deliveries: z.coerce.number().int().positive().default(200),
  concurrency: z.coerce.number().int().positive().default(20),
  latencyMs: z.coerce.number().int().nonnegative().default(50),
  json: z.boolean().default(false),
});

/** The benchmark's flags, parsed. */
type BenchOptions = z.output<typeof optionsSchema>;

/** One delivery (or its baseline twin) as the driver saw it. */
interface Sample {
  id: string;
  /** `Date.now()` at the start and end, to line up with the targets' log. */
  startedAt: number;
  endedAt: number;
  /** End-to-end, from `performance.now()`. */
  ms: number;
}

/** What one side of the benchmark measured. */
interface RunReport {
  name: 'tandem' | 'baseline';
  count: number;
  wallMs: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  rssPeakBytes: number;
  /**
   * CPU time of this whole process (client, workers, targets, every thread; not the server)
   * over the wall time, in % of one core: near or above 100 means this process is the limit.
   */
  cpuPercent: number;
  failures: string[];
  /**
   * Medians of where the time went, from the targets' log (ms resolution): before the first
   * leg reached a target, between it and the last leg's answer, and from there to the result.
   */
  phasesP50Ms: { toFirstRequest: number; atTargets: number; afterLastAnswer: number };
}

/** Both sides' results, as printed (and as `--json` prints them). */
interface BenchReport {
  options: BenchOptions;
  runs: [tandem: RunReport, baseline: RunReport];
  /** Tandem divided by the baseline. */
  ratio: { perSecond: number; p50: number };
  rssPeakBytes: number;
  /** The machine, since other load on it moves every figure. */
  host: { cpus: number; loadAverage1m: number };
}

/** Everything the benchmark drives, and how to stop it. */
interface BenchSystem {
  config: TandemConfig;
  targets: DemoTargets;
  client: TandemClient;
  /** Settles when the workers stop: rejects if one fails, so a dead worker cannot hang the run. */
  workersRunning: Promise<void>;
  stop(): Promise<void>;
}

/** Sends one delivery with the given id; throws unless it completed. */
type Deliver = (id: string) => Promise<void>;

/** Turns the command line into options; throws naming every bad flag. */
function parseBenchArgs(args: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      deliveries: { type: 'string' },
      concurrency: { type: 'string' },
      'latency-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const result = optionsSchema.safeParse({
    deliveries: values.deliveries,
    concurrency: values.concurrency,
    latencyMs: values['latency-ms'],
    json: values.json,
  });
  if (!result.success) {
    throw new Error(`Invalid bench flags:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/**
 * Starts the local system (dev server with state in memory, demo targets, workers, client) and
 * gives every create `latencyMs`. On a failure half-way, the local system stops what had started.
 */
async function startBenchSystem(
  options: BenchOptions,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
): Promise<BenchSystem> {
  log('Starting the dev server, the targets and the workers…');
  const system = await startLocalSystem({
    temporal: { start: { cli: { env }, log } },
    taskQueue: `bench-${randomUUID()}`,
    configSource: 'bench config',
    env: WORKER_ENV,
    // As many activity slots as legs in flight, so a high --concurrency is never capped.
    workers: { concurrencyPerTarget: options.concurrency },
  });
  for (const api of TARGETS) {
    system.targets.setFault(api, 'create', { latencyMs: options.latencyMs });
  }
  const { config, targets, client } = system;
  return {
    config,
    targets,
    client,
    workersRunning: system.workers!.done,
    stop: () => system.stop(),
  };
}

/** A delivery through Tandem: `start`, then `result` must say `completed`. */
function tandemDeliver(client: TandemClient): Deliver {
  return async (id) => {
    await client.start({ id, targets: [...TARGETS], payload: payloadFor(id) });
    const state = await client.result(id);
    if (state.status !== 'completed') {
      throw new Error(`Delivery ${id} ended ${state.status}: ${state.reason ?? 'no reason given'}`);
    }
  };
}

/**
 * The baseline: both POSTs at once with `Promise.allSettled`, carrying what the `deliver`
 * activity sends (config headers with secrets resolved, then Tandem's own headers) and judged
 * by the same status table. The pool matches the workers' HTTP client, 64 sockets per origin,
 * so both sides queue alike when legs outnumber sockets.
 */
function baselineDeliver(config: TandemConfig, agent: Dispatcher): Deliver {
  const legs = TARGETS.map((target) => {
    const leg = config.targets[target];
    if (!leg) throw new Error(`The bench config has no target "${target}".`);
    const { method, url, timeout } = leg.request;
    const headers = resolveHeaderSecrets(leg.request.headers, WORKER_ENV);
    return { target, method, url, timeout, headers, successStatuses: leg.successStatuses };
  });
  return async (id) => {
    const body = JSON.stringify(payloadFor(id));
    const results = await Promise.allSettled(
      legs.map(async (leg) => {
        const answer = await request(leg.url, {
          dispatcher: agent,
          method: leg.method,
          headers: {
            ...leg.headers,
            'content-type': 'application/json',
            [TANDEM_HEADERS.idempotencyKey]: idempotencyKeyFor(id, leg.target),
            [TANDEM_HEADERS.delivery]: id,
            [TANDEM_HEADERS.attempt]: '1',
          },
          body,
          headersTimeout: leg.timeout,
          bodyTimeout: leg.timeout,
        });
        // Read in full, as the activity does: the answer is part of the work.
        const text = await answer.body.text();
        if (judgeStatus(answer.statusCode, leg.successStatuses) !== 'success') {
          throw new Error(`${leg.target} answered ${answer.statusCode}: ${text}`);
        }
      }),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [messageOf(r.reason)] : []));
    if (failed.length > 0) throw new Error(`Delivery ${id} failed: ${failed.join('; ')}`);
  };
}

function payloadFor(id: string) {
  return { orderId: id, sku: 'BENCH-1', qty: 1 };
}

/** Runs `count` deliveries, each with a fresh id, at most `concurrency` at once. */
async function drive(count: number, concurrency: number, deliver: Deliver) {
  const samples: Sample[] = [];
  const failures: string[] = [];
  let issued = 0;
  const lane = async () => {
    while (issued < count) {
      issued += 1;
      const id = randomUUID();
      const startedAt = Date.now();
      const began = performance.now();
      try {
        await deliver(id);
        samples.push({ id, startedAt, endedAt: Date.now(), ms: performance.now() - began });
      } catch (error) {
        failures.push(messageOf(error));
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { samples, failures, wallMs: performance.now() - began };
}

/**
 * Tracks the peak RSS by sampling, since `resourceUsage().maxRSS` only ever grows and cannot
 * tell one phase from the next.
 */
function sampleRss() {
  let phasePeak = 0;
  let overallPeak = 0;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    phasePeak = Math.max(phasePeak, rss);
    overallPeak = Math.max(overallPeak, rss);
  };
  const timer = setInterval(sample, RSS_SAMPLE_EVERY_MS).unref();
  return {
    /** The peak since the last call, which starts a new phase. */
    takePhasePeak() {
      sample();
      const peak = phasePeak;
      phasePeak = 0;
      return peak;
    },
    overallPeak: () => overallPeak,
    stop: () => clearInterval(timer),
  };
}

/** Splits each delivery's time at the targets' log: see {@link RunReport.phasesP50Ms}. */
function phases(samples: readonly Sample[], targets: DemoTargets): RunReport['phasesP50Ms'] {
  const legs = new Map<string, { firstAt: number; lastAnsweredAt: number }>();
  for (const entry of TARGETS.flatMap((api) => targets.received(api, 'create'))) {
    const id = entry.headers[TANDEM_HEADERS.delivery];
    if (id === undefined || entry.answeredAt === undefined) continue;
    const seen = legs.get(id);
    legs.set(id, {
      firstAt: Math.min(seen?.firstAt ?? Infinity, entry.at),
      lastAnsweredAt: Math.max(seen?.lastAnsweredAt ?? -Infinity, entry.answeredAt),
    });
  }
  const toFirstRequest: number[] = [];
  const atTargets: number[] = [];
  const afterLastAnswer: number[] = [];
  for (const sample of samples) {
    const leg = legs.get(sample.id);
    if (!leg) continue;
    toFirstRequest.push(leg.firstAt - sample.startedAt);
    atTargets.push(leg.lastAnsweredAt - leg.firstAt);
    afterLastAnswer.push(sample.endedAt - leg.lastAnsweredAt);
  }
  const median = (values: number[]) => percentile(values.sort(ascending), 50);
  return {
    toFirstRequest: median(toFirstRequest),
    atTargets: median(atTargets),
    afterLastAnswer: median(afterLastAnswer),
  };
}

/** Nearest-rank percentile of ascending `sorted`; `NaN` when empty. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? NaN;
}

function ascending(a: number, b: number): number {
  return a - b;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts everything, measures the baseline and then Tandem (so that Tandem's leftovers, such as
 * server tasks and cached runs, cannot slow the baseline), and stops everything again.
 */
async function runBench(
  options: BenchOptions,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
): Promise<BenchReport> {
  const host = { cpus: availableParallelism(), loadAverage1m: loadavg()[0] ?? NaN };
  const rss = sampleRss();
  const system = await startBenchSystem(options, env, log);
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });

  /** Warms a side up with `concurrency` uncounted deliveries, then measures `deliveries`. */
  const measure = async (name: RunReport['name'], deliver: Deliver): Promise<RunReport> => {
    log(`${name}: warming up with ${options.concurrency} deliveries…`);
    const warmUp = await drive(options.concurrency, options.concurrency, deliver);
    if (warmUp.failures.length > 0) {
      throw new Error(`${name}: the warm-up failed, nothing was measured: ${warmUp.failures[0]}`);
    }
    log(`${name}: ${options.deliveries} deliveries at concurrency ${options.concurrency}…`);
    rss.takePhasePeak();
    const cpuBefore = process.cpuUsage();
    const { samples, failures, wallMs } = await drive(
      options.deliveries,
      options.concurrency,
      deliver,
    );
    const rssPeakBytes = rss.takePhasePeak();
    const cpu = process.cpuUsage(cpuBefore);
    const sorted = samples.map((s) => s.ms).sort(ascending);
    return {
      name,
      count: samples.length,
      wallMs,
      perSecond: samples.length / (wallMs / 1000),
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      rssPeakBytes,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      failures,
      phasesP50Ms: phases(samples, system.targets),
    };
  };

  let runs: [RunReport, RunReport];
  try {
    const workersStopped = system.workersRunning.then(() => {
      throw new Error('The workers stopped before the benchmark ended.');
    });
    const measured = (async (): Promise<[RunReport, RunReport]> => {
      const baseline = await measure('baseline', baselineDeliver(system.config, agent));
      return [await measure('tandem', tandemDeliver(system.client)), baseline];
    })();
    runs = await Promise.race([measured, workersStopped]);
  } finally {
    await agent.close();
    await system.stop();
    rss.stop();
  }
  const [tandem, baseline] = runs;
  return {
    options,
    runs,
    ratio: { perSecond: tandem.perSecond / baseline.perSecond, p50: tandem.p50Ms / baseline.p50Ms },
    rssPeakBytes: rss.overallPeak(),
    host,
  };
}

/** The human-readable report. */
function formatTable({ options, runs, ratio, rssPeakBytes, host }: BenchReport): string {
  const num = (value: number, digits = 1) => value.toFixed(digits);
  const columns = ['count', 'wall s', 'deliv/s', 'p50 ms', 'p95 ms', 'p99 ms', 'RSS MiB', 'CPU %'];
  const row = (label: string, cells: readonly string[]) =>
    label.padEnd(16) + cells.map((cell) => cell.padStart(9)).join('');
  return [
    `${options.deliveries} deliveries, concurrency ${options.concurrency}, ` +
      `${options.latencyMs} ms per request on each target; ` +
      `${host.cpus} CPUs, load average ${num(host.loadAverage1m, 2)} at start`,
    row('', columns),
    ...runs.map((r) =>
      row(r.name, [
        String(r.count),
        num(r.wallMs / 1000, 2),
        num(r.perSecond),
        num(r.p50Ms),
        num(r.p95Ms),
        num(r.p99Ms),
        num(r.rssPeakBytes / MIB, 0),
        num(r.cpuPercent, 0),
      ]),
    ),
    row('tandem/baseline', ['', '', `${num(ratio.perSecond, 2)}x`, `${num(ratio.p50, 2)}x`]),
    '',
    'p50 split, ms: start → first request | first request → last answer | last answer → end',
    ...runs.map(
      ({ name, phasesP50Ms: p }) =>
        `  ${name.padEnd(9)} ${p.toFirstRequest} | ${p.atTargets} | ${p.afterLastAnswer}`,
    ),
    `RSS peak (whole run, sampled every ${RSS_SAMPLE_EVERY_MS} ms): ${num(rssPeakBytes / MIB, 0)} MiB`,
    `failures: ${runs.reduce((sum, r) => sum + r.failures.length, 0)}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  // Before any connection or worker exists: the runtime is process-wide and installed once.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const report = await runBench(options, process.env, (line) => console.error(line));
  console.log(formatTable(report));
  // One line, printed last: the dev server's banner shares stdout, so `tail -n 1` finds it.
  if (options.json) console.log(JSON.stringify(report));
  const failures = report.runs.flatMap((r) => r.failures.map((f) => `${r.name}: ${f}`));
  for (const failure of failures.slice(0, 5)) console.error(failure);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
