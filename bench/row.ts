/**
 * One row: the bare baseline, then Tandem, at the same load against the same targets, with
 * what each process spent (CPU from /proc), what the server did (matching and eager counters),
 * and what a delivery left in history.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { workflowIdFor } from '../src/contract/contracts';
import {
  ascending,
  driveAtRate,
  driveLanes,
  p50p99,
  percentile,
  type Deliver,
  type Drive,
} from './drive';
import { historyCost, type HistoryCost } from './history';
import type { RowSpec } from './matrix';
import { cpuMs, loadAverage, watchRss } from './processes';
import { counterDelta, readServerCounters, type ServerCounters } from './server';
import { baselineDeliver, tandemDeliver } from './sides';
import type { Running } from './system';

/** What one side of a row measured. */
export interface RunReport {
  name: 'tandem' | 'baseline';
  count: number;
  wallMs: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  failures: string[];
  /** Medians, from the targets' log: before the first leg arrived, at the targets, after. */
  phasesP50Ms: { toFirstRequest: number; atTargets: number; afterLastAnswer: number };
  /** CPU-ms per delivery of each process involved, read from /proc: `server`, `worker`, … */
  cpuMsPerDelivery: Record<string, number>;
  /** Through the gateway: how long the 202 took. */
  acceptedMs?: { p50: number; p99: number };
}

/** A row's report. */
export interface RowReport extends Pick<RowSpec, 'name' | 'concurrency' | 'latencyMs' | 'legs'> {
  setup: RowSpec['setup'];
  /** The 1-minute load average when the row began: other load moves every figure. */
  loadAverage1m: number;
  runs: [tandem: RunReport, baseline: RunReport];
  ratio: { p50: number; p99: number; perSecond: number };
  history: HistoryCost;
  /** Server counters per Tandem delivery (tasks handed out by matching, eager starts/dispatches). */
  serverPerDelivery: ServerCounters;
  workerRssPeakBytes: number;
}

/** Runs one row against `running`. */
export function runRow(running: Running, spec: RowSpec, log: (line: string) => void) {
  return withRow(running, spec, async (agent, loadAverage1m): Promise<RowReport> => {
    const baseline = await side(
      running,
      spec,
      'baseline',
      baselineDeliver(running, spec, agent),
      log,
    );
    const rss = watchRss(running.worker.pid);
    const { metricsUrl } = running.server;
    const before = await readServerCounters(metricsUrl);
    const tandem = await side(running, spec, 'tandem', tandemDeliver(running, spec, agent), log);
    const serverPerDelivery = counterDelta(
      await readServerCounters(metricsUrl),
      before,
      Math.max(1, tandem.report.count),
    );
    const workerRssPeakBytes = rss.stop();
    const sampled = tandem.drive.samples.slice(-5).map((s) => workflowIdFor(s.id));
    const times = (key: 'p50Ms' | 'p99Ms' | 'perSecond') =>
      tandem.report[key] / baseline.report[key];
    const { name, concurrency, latencyMs, legs, setup } = spec;
    return {
      ...{ name, concurrency, latencyMs, legs, setup, loadAverage1m },
      runs: [tandem.report, baseline.report],
      ratio: { p50: times('p50Ms'), p99: times('p99Ms'), perSecond: times('perSecond') },
      history: await historyCost(running.temporal, sampled),
      serverPerDelivery,
      workerRssPeakBytes,
    };
  });
}

/**
 * What every kind of row begins with: the load average now (other load moves every figure), the
 * targets at the row's latency, and a pool of connections to the ways in, closed at the end.
 */
export async function withRow<T>(
  running: Running,
  spec: RowSpec,
  run: (agent: Dispatcher, loadAverage1m: number) => Promise<T>,
): Promise<T> {
  const loadAverage1m = loadAverage();
  await targets(running, 'PUT', '/_latency', { latencyMs: spec.latencyMs });
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  try {
    return await run(agent, loadAverage1m);
  } finally {
    await agent.close();
  }
}

/** A few deliveries before measuring; a failure here is a broken setup, so it stops the bench. */
export async function warmUp(what: string, deliver: Deliver, concurrency: number, count: number) {
  const { failures } = await driveLanes(deliver, { concurrency, count });
  if (failures.length > 0) throw new Error(`${what}: the warm-up failed: ${failures[0]}`);
}

/** Warms one side up, then measures it. */
async function side(
  running: Running,
  spec: RowSpec,
  name: RunReport['name'],
  deliver: Deliver,
  log: (line: string) => void,
): Promise<{ report: RunReport; drive: Drive }> {
  const warmUpLanes = Math.min(50, Math.max(1, spec.concurrency));
  await warmUp(`${spec.name}, ${name}`, deliver, warmUpLanes, Math.max(warmUpLanes, 5));
  await targets(running, 'GET', '/_log');
  log(`${spec.name}: ${name}…`);
  const pids: Record<string, number> = {
    targets: running.targets.pid,
    ...(name === 'tandem' && {
      server: running.server.pid,
      worker: running.worker.pid,
      ...(running.gateway && { gateway: running.gateway.child.pid }),
    }),
  };
  const cpu = () => Object.entries(pids).map(([process, pid]) => [process, cpuMs(pid)] as const);
  const cpuBefore = new Map(cpu());
  const driverBefore = process.cpuUsage();
  const drive =
    spec.kind === 'open'
      ? await driveAtRate(deliver, { ratePerSecond: rateOf(spec), durationMs: spec.durationMs! })
      : await driveLanes(deliver, {
          concurrency: spec.concurrency,
          count: spec.deliveries,
          durationMs: spec.durationMs ?? spec.capMs,
        });
  const driver = process.cpuUsage(driverBefore);
  const count = Math.max(1, drive.samples.length);
  const sorted = ascending(drive.samples.map((s) => s.ms));
  const accepted = drive.samples.flatMap((s) => s.acceptedMs ?? []);
  const targetsLog = (await targets(running, 'GET', '/_log')) as Record<string, [number, number]>;
  return {
    drive,
    report: {
      name,
      count: drive.samples.length,
      wallMs: drive.wallMs,
      perSecond: drive.samples.length / (drive.wallMs / 1000),
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      failures: drive.failures,
      phasesP50Ms: phases(drive, targetsLog),
      cpuMsPerDelivery: {
        ...Object.fromEntries(cpu().map(([k, ms]) => [k, (ms - cpuBefore.get(k)!) / count])),
        driver: (driver.user + driver.system) / 1000 / count,
      },
      ...(accepted.length > 0 && { acceptedMs: p50p99(accepted) }),
    },
  };
}

/** An open-loop row's rate: the matrix gives every such row one. */
export function rateOf(spec: RowSpec): number {
  if (spec.ratePerSecond === undefined) throw new Error(`${spec.name}: give the row a rate`);
  return spec.ratePerSecond;
}

/** A call to the targets' control routes: the latency to answer with, and their log. */
async function targets(running: Running, method: 'PUT' | 'GET', route: string, body?: object) {
  const answer = await request(`${running.targetsUrl}${route}`, {
    method,
    ...(body && { body: JSON.stringify(body) }),
  });
  return method === 'GET' ? answer.body.json() : answer.body.dump();
}

/** The medians of the p50 split, from the targets' log of each delivery's first and last. */
function phases(drive: Drive, log: Record<string, [number, number]>): RunReport['phasesP50Ms'] {
  const seen = drive.samples.flatMap((s) => (log[s.id] ? [{ ...s, at: log[s.id]! }] : []));
  const median = (values: number[]) => percentile(ascending(values), 50);
  return {
    toFirstRequest: median(seen.map((s) => s.at[0] - s.startedAt)),
    atTargets: median(seen.map((s) => s.at[1] - s.at[0])),
    afterLastAnswer: median(seen.map((s) => s.endedAt - s.at[1])),
  };
}
