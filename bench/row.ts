/**
 * One row: the bare baseline, then Tandem, at the same load against the same targets, with
 * what each process spent (CPU from /proc), what the server did (matching and eager counters),
 * and what a delivery left in history.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { workflowIdFor } from '../src/contract/contracts';
import { baselineDeliver, tandemDeliver } from './sides';
import { ascending, driveAtRate, driveLanes, percentile, type Deliver, type Drive } from './drive';
import { historyCost, type HistoryCost } from './history';
import type { RowSpec } from './matrix';
import { cpuMs, loadAverage, watchRss } from './processes';
import { counterDelta, readServerCounters, type ServerCounters } from './server';
import type { Running } from './system';

/** What one side of a row measured (the fields scripts read are kept from the first bench). */
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
export interface RowReport {
  name: string;
  group: RowSpec['group'];
  concurrency: number;
  latencyMs: number;
  legs: number;
  setup: RowSpec['setup'];
  /** The 1-minute load average when the row began: other load moves every figure. */
  loadAverage1m: number;
  runs: [tandem: RunReport, baseline: RunReport];
  ratio: { p50: number; p99: number; perSecond: number };
  history: HistoryCost;
  /** Server counters per Tandem delivery (tasks handed out by matching, eager starts/dispatches). */
  serverPerDelivery: ServerCounters;
  /** The peak RSS of the worker process. */
  workerRssPeakBytes: number;
}

const WARM_UP_MAX = 50;

/** Runs one row against `running`. */
export function runRow(
  running: Running,
  spec: RowSpec,
  log: (line: string) => void,
): Promise<RowReport> {
  return withRow(running, spec, async (agent, loadAverage1m) => {
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
    const after = await readServerCounters(metricsUrl);
    const workerRssPeakBytes = rss.stop();
    const history = await historyCost(
      running.temporal,
      tandem.drive.samples.slice(-5).map((s) => workflowIdFor(s.id)),
    );
    return {
      name: spec.name,
      group: spec.group,
      concurrency: spec.concurrency,
      latencyMs: spec.latencyMs,
      legs: spec.legs,
      setup: spec.setup,
      loadAverage1m,
      runs: [tandem.report, baseline.report],
      ratio: {
        p50: tandem.report.p50Ms / baseline.report.p50Ms,
        p99: tandem.report.p99Ms / baseline.report.p99Ms,
        perSecond: tandem.report.perSecond / baseline.report.perSecond,
      },
      history,
      serverPerDelivery: counterDelta(after, before, Math.max(1, tandem.report.count)),
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
  await setLatency(running.targetsUrl, spec.latencyMs);
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  try {
    return await run(agent, loadAverage1m);
  } finally {
    await agent.close();
  }
}

/** A few deliveries before measuring; a failure here is a broken setup, so it stops the bench. */
export async function warmUp(
  what: string,
  deliver: Deliver,
  lanes: { concurrency: number; count: number },
): Promise<void> {
  const { failures } = await driveLanes(deliver, lanes);
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
  await warmUp(`${spec.name}, ${name}`, deliver, {
    concurrency: Math.min(WARM_UP_MAX, Math.max(1, spec.concurrency)),
    count: Math.min(WARM_UP_MAX, Math.max(spec.concurrency, 5)),
  });
  await takeTargetsLog(running.targetsUrl);
  log(`${spec.name}: ${name}…`);
  const tandem = name === 'tandem';
  const pids: Record<string, number> = {
    targets: running.targets.pid,
    ...(tandem && {
      server: running.server.pid,
      worker: running.worker.pid,
      ...(running.gateway && { gateway: running.gateway.child.pid }),
    }),
  };
  const processCpu = () =>
    Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const cpuBefore = processCpu();
  const driverBefore = process.cpuUsage();
  const { durationMs } = spec;
  const drive =
    spec.kind === 'open'
      ? await driveAtRate(deliver, {
          ratePerSecond: rateOf(spec),
          durationMs: durationMs ?? 10_000,
        })
      : await driveLanes(deliver, {
          concurrency: spec.concurrency,
          ...(spec.deliveries !== undefined && { count: spec.deliveries }),
          ...((durationMs ?? spec.capMs) !== undefined && { durationMs: durationMs ?? spec.capMs }),
        });
  const driverCpu = process.cpuUsage(driverBefore);
  const count = Math.max(1, drive.samples.length);
  const cpuMsPerDelivery: Record<string, number> = {
    ...Object.fromEntries(
      Object.entries(processCpu()).map(([k, ms]) => [k, (ms - cpuBefore[k]!) / count]),
    ),
    driver: (driverCpu.user + driverCpu.system) / 1000 / count,
  };
  const sorted = ascending(drive.samples.map((s) => s.ms));
  const accepted = ascending(drive.samples.flatMap((s) => s.acceptedMs ?? []));
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
      phasesP50Ms: phases(drive, await takeTargetsLog(running.targetsUrl)),
      cpuMsPerDelivery,
      ...(accepted.length > 0 && {
        acceptedMs: { p50: percentile(accepted, 50), p99: percentile(accepted, 99) },
      }),
    },
  };
}

/** An open-loop row's rate: the matrix gives every such row one. */
export function rateOf(spec: RowSpec): number {
  if (spec.ratePerSecond === undefined) throw new Error(`${spec.name}: give the row a rate`);
  return spec.ratePerSecond;
}

async function setLatency(targetsUrl: string, latencyMs: number): Promise<void> {
  const answer = await request(`${targetsUrl}/_latency`, {
    method: 'PUT',
    body: JSON.stringify({ latencyMs }),
  });
  await answer.body.dump();
}

async function takeTargetsLog(targetsUrl: string): Promise<Record<string, [number, number]>> {
  const answer = await request(`${targetsUrl}/_log`);
  return (await answer.body.json()) as Record<string, [number, number]>;
}

function phases(drive: Drive, log: Record<string, [number, number]>): RunReport['phasesP50Ms'] {
  const toFirst: number[] = [];
  const atTargets: number[] = [];
  const after: number[] = [];
  for (const sample of drive.samples) {
    const seen = log[sample.id];
    if (!seen) continue;
    toFirst.push(seen[0] - sample.startedAt);
    atTargets.push(seen[1] - seen[0]);
    after.push(sample.endedAt - seen[1]);
  }
  return {
    toFirstRequest: percentile(ascending(toFirst), 50),
    atTargets: percentile(ascending(atTargets), 50),
    afterLastAnswer: percentile(ascending(after), 50),
  };
}
