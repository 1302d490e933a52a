/**
 * The two rows that load one process to see what it holds. Parked: many deliveries waiting as
 * `needs_attention` must cost the worker no memory beyond its sticky cache; it starts them (each
 * fails for good on `refuse` while `keep`, which cannot be undone, has acted), waits until the
 * server lists them all as parked, and reads the worker's RSS before and after. Hostile: a
 * well-behaved app posts through the gateway at a modest steady rate, first alone (quiet), then
 * while a hostile client floods the same gateway (`flood.ts`); it reports the app's
 * `POST /v1/deliveries` latency and the gateway's peak RSS in both phases, against the goal.
 */
import { randomUUID } from 'node:crypto';
import { waitUntil } from '../src/cluster/processes';
import { PARKING_TARGETS, payloadFor } from './config';
import { driveAtRate, driveLanes, percentiles, type Deliver } from './drive';
import { FLOOD_TALLY, type FloodTally } from './flood';
import type { RowSpec } from './matrix';
import { rssBytes, startChild, watchRss } from './processes';
import { rateOf, tandemDeliver, warmUp, withRow } from './row';
import { FLOOD_KEY, type Running } from './system';

export type ParkedReport = Awaited<ReturnType<typeof runParked>>;

export function runParked(running: Running, spec: RowSpec, log: (line: string) => void) {
  return withRow(running, spec, async (_agent, loadAverage1m) => {
    const asked = spec.deliveries ?? 1000;
    const batch = `parked-${randomUUID().slice(0, 8)}`;
    const workerRssBeforeBytes = rssBytes(running.worker.pid);
    const began = Date.now();
    log(`${spec.name}: starting up to ${asked} deliveries that park…`);
    const targets = [...PARKING_TARGETS];
    const start = async (id: string) => {
      await running.client.start({ id: `${batch}-${id}`, targets, payload: payloadFor(id) });
    };
    // Fewer than asked are started when the time cap passes first.
    const { concurrency, capMs } = spec;
    const started = await driveLanes(start, { concurrency, count: asked, durationMs: capMs });
    const query = `WorkflowId STARTS_WITH "delivery-${batch}" AND TandemStatus = "needs_attention"`;
    const failures = [...started.failures];
    let parked = 0;
    const allParked = async () =>
      (parked = (await running.temporal.workflow.count(query)).count) >= started.samples.length;
    const late = `only part of the ${started.samples.length} runs started was listed as parked`;
    await waitUntil(allParked, `${late} after 10 minutes`, 10 * 60_000).catch((error: Error) =>
      failures.push(error.message),
    );
    return {
      ...{ name: spec.name, asked, loadAverage1m, parked, failures },
      /** From the first start until the server listed every run as parked. */
      secondsToPark: (Date.now() - began) / 1000,
      workerRssBeforeBytes,
      workerRssAfterBytes: rssBytes(running.worker.pid),
    };
  });
}

export const HOSTILE_GOAL = { p99Ratio: 2, gatewayRssBytes: 300 * 2 ** 20 } as const;

export type HostileReport = Awaited<ReturnType<typeof runHostile>>;
export type HostilePhase = HostileReport['quiet'];

/** One phase: the app at the row's rate while the gateway's RSS is watched. */
async function phase(running: Running, spec: RowSpec, deliver: Deliver, durationMs: number) {
  const rss = watchRss(running.gateway!.pid);
  const drive = await driveAtRate(deliver, { ratePerSecond: rateOf(spec), durationMs });
  return {
    count: drive.samples.length,
    failures: drive.failures,
    /** How long `POST /v1/deliveries` took to answer 202 (ms). */
    acceptedMs: percentiles(drive.accepted),
    /** From the POST to the completed run (ms). */
    endToEndMs: percentiles(drive.samples.map((s) => s.ms)),
    gatewayRssPeakBytes: rss.stop(),
  };
}

export function runHostile(running: Running, spec: RowSpec, log: (line: string) => void) {
  const gatewayUrl = running.gateway?.url;
  if (gatewayUrl === undefined) throw new Error(`${spec.name}: the row needs the gateway`);
  return withRow(running, spec, async (agent, loadAverage1m) => {
    const deliver = tandemDeliver(running, spec, agent);
    await warmUp(spec.name, deliver, 5, 10);
    const durationMs = spec.durationMs ?? 10_000;
    log(`${spec.name}: quiet…`);
    const quiet = await phase(running, spec, deliver, durationMs);
    log(`${spec.name}: flooded…`);
    // In a process of its own: the flood's work is not the app client's event loop's.
    const flooding = await startChild('flood', ['bench/flood.ts'], {
      env: { TANDEM_FLOOD_URL: gatewayUrl, TANDEM_FLOOD_KEY: FLOOD_KEY },
    });
    const flooded = await phase(running, spec, deliver, durationMs);
    await flooding.stop();
    const tally = flooding.output().split(FLOOD_TALLY)[1];
    if (tally === undefined) throw new Error(`the flood printed no tally:\n${flooding.output()}`);
    const p99Ratio = flooded.acceptedMs.p99 / quiet.acceptedMs.p99;
    const rssPeak = Math.max(quiet.gatewayRssPeakBytes, flooded.gatewayRssPeakBytes);
    const { name } = spec;
    return {
      ...{ name, ratePerSecond: rateOf(spec), phaseSeconds: durationMs / 1000, loadAverage1m },
      ...{ quiet, flooded, flood: JSON.parse(tally) as FloodTally, p99Ratio },
      goalMet: {
        p99: p99Ratio <= HOSTILE_GOAL.p99Ratio,
        rss: rssPeak < HOSTILE_GOAL.gatewayRssBytes,
      },
    };
  });
}
