/**
 * One row: the bare baseline (the same HTTP calls as a delivery, without Tandem), Tandem's peers
 * (the hand-written saga a user would write instead, and the floor: the cheapest workflow), then
 * Tandem through the row's way in, all at the same load against the same targets, with what each
 * process spent (CPU from /proc), what the server did for Tandem (matching and eager counters),
 * and what a run left in history: events, encoded bytes (what the server stores and every replay
 * reads) and workflow tasks (each a round trip between server and worker).
 */
import { loadavg } from 'node:os';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Agent, request, type Dispatcher } from 'undici';
import { workflowIdFor } from '../src/contract/contracts';
import { deliveryFor, LEG_TARGETS, PEER_TASK_QUEUE } from './config';
import { startFlood } from './flood';
import { driveAtRate, driveLanes, percentiles, type Deliver, type Drive } from './drive';
import type { RowSpec } from './matrix';
import { cpuMs, watchRss } from './processes';
import { counterDelta, readServerCounters } from './server';
import { GATEWAY_KEY, FLOOD_KEY, type Running } from './system';
import { createPeerActivities } from './peer-activities';

export type RunReport = Awaited<ReturnType<typeof side>>;
export type RowReport = Awaited<ReturnType<typeof runRow>>;
/** A row's runs: Tandem, then the peers its figures are read against. */
export type Runs = [tandem: RunReport, bare: RunReport, saga?: RunReport, floor?: RunReport];
/** Sends one side's delivery, the same request (legs, payload) on every side of a row. */
type Send = (delivery: ReturnType<typeof deliveryFor>) => ReturnType<Deliver>;

export function runRow(running: Running, spec: RowSpec, log: (line: string) => void) {
  return withRow(running, spec, async (agent, loadAverage1m) => {
    const flooding = spec.setup.flooded && (await startFlood(running.gateway!.url, FLOOD_KEY));
    const row = { running, spec, log };
    const bare = await side(row, 'baseline', baselineDeliver(running, agent));
    const saga = await side(row, 'saga', peerDeliver(running, 'handWrittenSaga'), peerWorkflowId);
    const floor = await side(row, 'floor', peerDeliver(running, 'floor'), peerWorkflowId);
    const rss = watchRss(running.worker.pid);
    const gatewayRss = running.gateway && watchRss(running.gateway.pid);
    const before = await readServerCounters(running.server.metricsUrl);
    const tandem = await side(row, 'tandem', tandemDeliver(running, spec, agent), workflowIdFor);
    const after = await readServerCounters(running.server.metricsUrl);
    const flood = flooding && (await flooding.stop());
    const { name, concurrency, latencyMs, legs, setup } = spec;
    return {
      /** `loadAverage1m`: the 1-minute load average when the row began. */
      ...{ name, concurrency, latencyMs, legs, setup, loadAverage1m },
      runs: [tandem, bare, saga, floor] as Runs,
      /** Per Tandem delivery: tasks handed out by matching, eager starts and dispatches. */
      serverPerDelivery: counterDelta(after, before, Math.max(1, tandem.count)),
      workerRssPeakBytes: rss.stop(),
      gatewayRssPeakBytes: gatewayRss?.stop(),
      /** What the flood sent all through a flooded row, and its answers. */
      ...(flood && { flood }),
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
  const loadAverage1m = loadavg()[0]!;
  await targets(running, 'PUT', '/_latency', { latencyMs: spec.latencyMs });
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  try {
    return await run(agent, loadAverage1m);
  } finally {
    await agent.close();
  }
}

/**
 * One side of a row: warmed up, then driven at the row's load. `workflowId` (a run's id from the
 * driver's id) makes it a side run by Temporal: the server's, worker's and gateway's CPU count,
 * and the history of its last runs is read.
 */
async function side(
  { running, spec, log }: { running: Running; spec: RowSpec; log: (line: string) => void },
  name: 'tandem' | 'baseline' | 'saga' | 'floor',
  send: Send,
  workflowId?: (id: string) => string,
) {
  const deliver: Deliver = (id) => send(deliveryFor(id, LEG_TARGETS.slice(0, spec.legs)));
  // A few deliveries before measuring; a failure here is a broken setup, so it stops the bench.
  const lanes = Math.min(50, Math.max(1, spec.concurrency));
  const warm = await driveLanes(deliver, { concurrency: lanes, count: Math.max(lanes, 5) });
  if (warm.failures.length > 0) {
    throw new Error(`${spec.name}, ${name}: the warm-up failed: ${warm.failures[0]}`);
  }
  await targets(running, 'GET', '/_log');
  log(`${spec.name}: ${name}…`);
  const pids: Record<string, number> = {
    targets: running.targets.pid,
    ...(workflowId && {
      server: running.server.pid,
      worker: running.worker.pid,
      ...(running.gateway && { gateway: running.gateway.pid }),
    }),
  };
  const cpu = () => Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)] as const);
  const cpuBefore = new Map(cpu());
  const driverBefore = process.cpuUsage();
  const durationMs = spec.durationMs ?? spec.capMs;
  const drive =
    spec.kind === 'open'
      ? await driveAtRate(deliver, { ratePerSecond: spec.ratePerSecond!, durationMs: durationMs! })
      : await driveLanes(deliver, { ...spec, count: spec.deliveries, durationMs });
  const driver = process.cpuUsage(driverBefore);
  const count = Math.max(1, drive.samples.length);
  const { p50, p95, p99 } = percentiles(drive.samples.map((s) => s.ms));
  const targetsLog = (await targets(running, 'GET', '/_log')) as Record<string, [number, number]>;
  return {
    name,
    count: drive.samples.length,
    wallMs: drive.wallMs,
    perSecond: drive.samples.length / (drive.wallMs / 1000),
    ...{ p50Ms: p50, p95Ms: p95, p99Ms: p99, failures: drive.failures },
    phasesP50Ms: phases(drive, targetsLog),
    /** CPU-ms per delivery of each process involved, read from /proc: `server`, `worker`, … */
    cpuMsPerDelivery: {
      ...Object.fromEntries(cpu().map(([k, ms]) => [k, (ms - cpuBefore.get(k)!) / count])),
      driver: (driver.user + driver.system) / 1000 / count,
    } as Record<string, number>,
    /** Through the gateway: how long the 202 took. */
    ...(drive.accepted.length > 0 && { acceptedMs: percentiles(drive.accepted) }),
    ...(workflowId && { history: await historyCost(running.temporal, drive, workflowId) }),
  };
}

/** A call to the targets' control routes: the latency to answer with, and their log. */
async function targets(running: Running, method: 'PUT' | 'GET', route: string, body?: object) {
  const url = `${running.targets.ready.url}${route}`;
  const answer = await request(url, { method, body: body && JSON.stringify(body) });
  return method === 'GET' ? answer.body.json() : answer.body.dump();
}

/**
 * The medians of the p50 split, from the targets' log of each delivery's first and last:
 * before the first leg arrived, at the targets, after the last answer.
 */
function phases(drive: Drive, log: Record<string, [number, number]>) {
  const seen = drive.samples.flatMap((s) => (log[s.id] ? [{ ...s, at: log[s.id]! }] : []));
  const median = (values: number[]) => percentiles(values).p50;
  return {
    toFirstRequest: median(seen.map((s) => s.at[0] - s.startedAt)),
    atTargets: median(seen.map((s) => s.at[1] - s.at[0])),
    afterLastAnswer: median(seen.map((s) => s.endedAt - s.at[1])),
  };
}

const COMPLETED_TASK = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;

/** What the drive's last five runs left in history, on average. */
async function historyCost(client: Client, drive: Drive, workflowId: (id: string) => string) {
  const costs = await Promise.all(
    drive.samples.slice(-5).map(async ({ id }) => {
      const history = await client.workflow.getHandle(workflowId(id)).fetchHistory();
      const events = history.events ?? [];
      return {
        events: events.length,
        bytes: temporal.api.history.v1.History.encode(history).finish().byteLength,
        workflowTasks: events.filter((e) => e.eventType === COMPLETED_TASK).length,
      };
    }),
  );
  const mean = (key: keyof (typeof costs)[number]) =>
    costs.reduce((sum, cost) => sum + cost[key], 0) / costs.length;
  return { events: mean('events'), bytes: mean('bytes'), workflowTasks: mean('workflowTasks') };
}

/** POSTs `body` as JSON to the row's way in; the answer's JSON, or an error unless it is `status`. */
async function post(agent: Dispatcher, url: string, status: number, body: object, headers = {}) {
  const answer = await request(url, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await answer.body.text();
  if (answer.statusCode !== status)
    throw new Error(`${url} answered ${answer.statusCode}: ${text}`);
  return JSON.parse(text) as { status: string; reason?: string };
}

/**
 * The baseline: every leg's POST at once with `Promise.allSettled`, made by the hand-written
 * saga's activities called directly, with no Temporal.
 */
function baselineDeliver(running: Running, agent: Dispatcher): Send {
  const activities = createPeerActivities(running.document, agent);
  return async ({ id, targets, payload }) => {
    const results = await Promise.allSettled(targets.map((t) => activities.create(t, id, payload)));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (failed.length > 0) throw new Error(`Delivery ${id} failed: ${failed.join('; ')}`);
  };
}

/** The id of a peer's run (`peer-workflows.ts`) for the driver's delivery id. */
const peerWorkflowId = (id: string) => `peer-${id}`;

/**
 * A run of a peer, started as a samples-style `client.ts` does, by a client in the driver
 * (whatever the row's way in: Eager Workflow Start is not a feature of the saga a user writes).
 */
function peerDeliver(running: Running, workflow: 'handWrittenSaga' | 'floor'): Send {
  return async (delivery) => {
    const args = workflow === 'floor' ? [] : [delivery];
    const options = { taskQueue: PEER_TASK_QUEUE, workflowId: peerWorkflowId(delivery.id), args };
    await running.temporal.workflow.execute(workflow, options);
  };
}

/**
 * A Tandem delivery through the row's way in: a client in the driver, the app hosting the workers
 * (which waits for the end itself), or the gateway (its 202 timed). Throws unless it completed.
 */
function tandemDeliver(running: Running, spec: RowSpec, agent: Dispatcher): Send {
  const { starter } = spec.setup;
  const authorization = `Bearer ${GATEWAY_KEY}`;
  return async (delivery) => {
    const { id } = delivery;
    const began = performance.now();
    let acceptedMs: number | undefined;
    if (starter === 'gateway') {
      await post(agent, `${running.gateway!.url}/v1/deliveries`, 202, delivery, { authorization });
      acceptedMs = performance.now() - began;
    } else if (starter === 'client') await running.client.start(delivery);
    const { status, reason } =
      starter === 'app'
        ? await post(agent, `${running.worker.ready.url}/deliver`, 200, delivery)
        : await running.client.result(id);
    if (status !== 'completed') throw new Error(`Delivery ${id} ended ${status}: ${reason ?? ''}`);
    return { acceptedMs };
  };
}
