/**
 * One row: the bare baseline, then Tandem, at the same load against the same targets, with
 * what each process spent (CPU from /proc), what the server did (matching and eager counters),
 * and what a delivery left in history.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { resolveHeaderSecrets } from '../src/activities/secrets';
import { idempotencyKeyFor, TANDEM_HEADERS, workflowIdFor } from '../src/contracts';
import { judgeStatus } from '../src/http/judge';
import { BENCH_ENV, LEG_TARGETS } from './config';
import { ascending, driveAtRate, driveLanes, percentile, type Deliver, type Drive } from './drive';
import { historyCost, type HistoryCost } from './history';
import type { RowSpec } from './matrix';
import { cpuMs, loadAverage, watchRss } from './processes';
import { counterDelta, readServerCounters, type ServerCounters } from './server';
import { GATEWAY_KEY, type Running } from './system';

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
  /** CPU-ms per delivery of each process involved, read from /proc. */
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
  workerRssPeakBytes: number;
}

const WARM_UP_MAX = 50;

/** Runs one row against `running`. */
export async function runRow(
  running: Running,
  spec: RowSpec,
  log: (line: string) => void,
): Promise<RowReport> {
  const loadAverage1m = loadAverage();
  await setLatency(running.targetsUrl, spec.latencyMs);
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  try {
    const baseline = await side(
      running,
      spec,
      'baseline',
      baselineDeliver(running, spec, agent),
      log,
    );
    const rss = watchRss(running.worker.pid);
    const before = await readServerCounters(running.server.metricsUrl);
    const tandem = await side(running, spec, 'tandem', tandemDeliver(running, spec, agent), log);
    const server = counterDelta(await readServerCounters(running.server.metricsUrl), before);
    const workerRssPeakBytes = rss.stop();
    const history = await historyCost(
      running.temporal,
      tandem.drive.samples.slice(-5).map((s) => workflowIdFor(s.id)),
    );
    const count = Math.max(1, tandem.report.count);
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
      serverPerDelivery: Object.fromEntries(
        Object.entries(server).map(([name, value]) => [name, value / count]),
      ) as ServerCounters,
      workerRssPeakBytes,
    };
  } finally {
    await agent.close();
  }
}

/** Warms one side up, then measures it. */
async function side(
  running: Running,
  spec: RowSpec,
  name: RunReport['name'],
  deliver: Deliver,
  log: (line: string) => void,
): Promise<{ report: RunReport; drive: Drive }> {
  const warmUp = await driveLanes(deliver, {
    concurrency: Math.min(WARM_UP_MAX, Math.max(1, spec.concurrency)),
    count: Math.min(WARM_UP_MAX, Math.max(spec.concurrency, 5)),
  });
  if (warmUp.failures.length > 0) {
    throw new Error(`${spec.name}, ${name}: the warm-up failed: ${warmUp.failures[0]}`);
  }
  await takeTargetsLog(running.targetsUrl);
  log(`${spec.name}: ${name}…`);
  const pids: Record<string, number> = {
    targets: running.targets.pid,
    ...(name === 'tandem' && {
      server: running.server.child.pid,
      worker: running.worker.pid,
      ...(running.gateway && { gateway: running.gateway.child.pid }),
    }),
  };
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const driverBefore = process.cpuUsage();
  const drive =
    spec.ratePerSecond !== undefined
      ? await driveAtRate(deliver, {
          ratePerSecond: spec.ratePerSecond,
          durationMs: spec.durationMs ?? 10_000,
        })
      : await driveLanes(deliver, {
          concurrency: spec.concurrency,
          ...(spec.deliveries !== undefined && { count: spec.deliveries }),
          ...((spec.durationMs ?? spec.capMs) !== undefined && {
            durationMs: spec.durationMs ?? spec.capMs,
          }),
        });
  const driverCpu = process.cpuUsage(driverBefore);
  const count = Math.max(1, drive.samples.length);
  const cpuMsPerDelivery: Record<string, number> = {
    ...Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => [k, (cpuMs(pid) - cpuBefore[k]!) / count]),
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

/** A Tandem delivery, through the row's way in; throws unless it completed. */
function tandemDeliver(running: Running, spec: RowSpec, agent: Dispatcher): Deliver {
  const targets = LEG_TARGETS.slice(0, spec.legs);
  const completed = (id: string, status: string, reason?: string) => {
    if (status !== 'completed') throw new Error(`Delivery ${id} ended ${status}: ${reason ?? ''}`);
  };
  switch (spec.setup.starter) {
    case 'client':
      return async (id) => {
        await running.client.start({ id, targets, payload: payloadFor(id) });
        const state = await running.client.result(id);
        completed(id, state.status, state.reason);
      };
    case 'app':
      return async (id) => {
        const answer = await request(`${running.worker.ready.url}/deliver`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id, targets, payload: payloadFor(id) }),
        });
        const text = await answer.body.text();
        if (answer.statusCode !== 200)
          throw new Error(`app answered ${answer.statusCode}: ${text}`);
        const { status, reason } = JSON.parse(text) as { status: string; reason?: string };
        completed(id, status, reason);
      };
    case 'gateway':
      return async (id) => {
        const began = performance.now();
        const answer = await request(`${running.gateway!.url}/v1/deliveries`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_KEY}` },
          body: JSON.stringify({ id, targets, payload: payloadFor(id) }),
        });
        const text = await answer.body.text();
        const acceptedMs = performance.now() - began;
        if (answer.statusCode !== 202) {
          throw new Error(`gateway answered ${answer.statusCode}: ${text}`);
        }
        const state = await running.client.result(id);
        completed(id, state.status, state.reason);
        return { acceptedMs };
      };
  }
}

/**
 * The baseline: every leg's POST at once with `Promise.allSettled`, carrying what the `deliver`
 * activity sends (config headers with secrets resolved, Tandem's own headers), judged by the same
 * status table, over a pool as large as the workers' HTTP client's.
 */
function baselineDeliver(running: Running, spec: RowSpec, agent: Dispatcher): Deliver {
  const legs = LEG_TARGETS.slice(0, spec.legs).map((target) => {
    const leg = running.config.targets[target]!;
    const { method, url, timeout } = leg.request;
    const headers = resolveHeaderSecrets(leg.request.headers, BENCH_ENV);
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
        const text = await answer.body.text();
        if (judgeStatus(answer.statusCode, leg.successStatuses) !== 'success') {
          throw new Error(`${leg.target} answered ${answer.statusCode}: ${text}`);
        }
      }),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (failed.length > 0) throw new Error(`Delivery ${id} failed: ${failed.join('; ')}`);
  };
}

export function payloadFor(id: string) {
  return { orderId: id, sku: 'BENCH-1', qty: 1 };
}

export async function setLatency(targetsUrl: string, latencyMs: number): Promise<void> {
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
