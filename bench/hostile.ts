/**
 * The hostile row: a well-behaved app posts deliveries through the gateway at a modest steady
 * rate, first alone (quiet), then while a hostile client floods the same gateway as fast as a
 * few connections go: 1 MiB bodies of wide objects nested near the depth limit, a megabyte of
 * `[`, and wrong API keys. It reports the app's `POST /v1/deliveries` latency and the gateway's
 * peak RSS in both phases, against the goal: p99 within 2× of quiet, RSS under 300 MiB.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { MAX_JSON_DEPTH } from '../src/contract/limits';
import { LEG_TARGETS } from './config';
import { ascending, driveAtRate, driveLanes, percentile, type Deliver } from './drive';
import type { RowSpec } from './matrix';
import { loadAverage, watchRss } from './processes';
import { gatewayDeliver, setLatency } from './row';
import { FLOOD_KEY, type Running } from './system';

const MIB = 1024 * 1024;
/** The goal the row is reported against. */
export const HOSTILE_GOAL = { p99Ratio: 2, gatewayRssBytes: 300 * MIB } as const;
/** Connections the flood keeps busy, each sending its next request as soon as one is answered. */
const FLOOD_CONNECTIONS = 4;
/** Levels of the deep payload: with the request's own object, one under the depth limit. */
const FLOOD_DEPTH = MAX_JSON_DEPTH - 2;
// The flood comes from another loopback address, as another client would: a throttle per
// client address then tells it from the app (127.0.0.1).
const FLOOD_ADDRESS = '127.0.0.2';

/** One phase of the row, as the well-behaved app saw it. */
export interface HostilePhase {
  count: number;
  failures: string[];
  /** How long `POST /v1/deliveries` took to answer 202 (ms). */
  acceptedMs: { p50: number; p99: number };
  /** From the POST to the completed run (ms). */
  endToEndMs: { p50: number; p99: number };
  gatewayRssPeakBytes: number;
}

/** What the flood sent and what it got back. */
export interface FloodTally {
  requests: number;
  bytesSent: number;
  /** Answers by status, and `error` for requests that got none (a reset connection). */
  answers: Record<string, number>;
}

/** The hostile row's report. */
export interface HostileReport {
  name: string;
  group: 'hostile';
  ratePerSecond: number;
  phaseSeconds: number;
  loadAverage1m: number;
  quiet: HostilePhase;
  flooded: HostilePhase;
  flood: FloodTally;
  /** Flooded p99 of the 202 over quiet p99. */
  p99Ratio: number;
  goalMet: { p99: boolean; rss: boolean };
}

/** A delivery request whose payload is 1 MiB of wide objects nested `FLOOD_DEPTH` deep. */
export function deepWideBody(bytes = MIB, depth = FLOOD_DEPTH): Buffer {
  const head = `{"id":"flood-${randomUUID()}","targets":["${LEG_TARGETS[0]}"],"payload":`;
  const perLevel = Math.floor((bytes - head.length - 1) / depth);
  // Each level: `{"n":…,"k0":0,"k1":0,…}`, as wide as its share of the bytes allows.
  let keys = '';
  for (let k = 0; keys.length + `,"k${k}":0`.length + 8 < perLevel; k++) keys += `,"k${k}":0`;
  const open = '{"n":'.repeat(depth);
  const close = `0${`${keys}}`.repeat(depth)}`;
  return Buffer.from(`${head}${open}${close}}`);
}

/** Floods the gateway until `stop` is called; resolves to what it sent. */
function flood(gatewayUrl: string): { stop(): Promise<FloodTally> } {
  const agent = new Agent({
    connections: FLOOD_CONNECTIONS,
    pipelining: 1,
    // A client option of its own: undici does not take it from `connect`.
    localAddress: FLOOD_ADDRESS,
  });
  const bodies = [
    { body: deepWideBody(), key: FLOOD_KEY },
    { body: Buffer.from('['.repeat(1_000_000)), key: FLOOD_KEY },
    { body: deepWideBody(), key: `wrong-${randomUUID()}` },
  ];
  const tally: FloodTally = { requests: 0, bytesSent: 0, answers: {} };
  const count = (answer: string) => (tally.answers[answer] = (tally.answers[answer] ?? 0) + 1);
  let running = true;
  const lane = async (lane: number) => {
    for (let turn = lane; running; turn++) {
      const { body, key } = bodies[turn % bodies.length]!;
      tally.requests += 1;
      tally.bytesSent += body.length;
      try {
        const answer = await request(`${gatewayUrl}/v1/deliveries`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body,
        });
        await answer.body.dump();
        count(String(answer.statusCode));
      } catch {
        count('error');
      }
    }
  };
  const lanes = Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, (_, i) => lane(i)));
  return {
    async stop() {
      running = false;
      await lanes;
      await agent.close();
      return tally;
    },
  };
}

/** One phase: the app at the row's rate while the gateway's RSS is watched. */
async function phase(
  running: Running,
  spec: RowSpec,
  deliver: Deliver,
  durationMs: number,
): Promise<HostilePhase> {
  const rss = watchRss([running.gateway!.child.pid]);
  const drive = await driveAtRate(deliver, { ratePerSecond: spec.ratePerSecond!, durationMs });
  const [gatewayRssPeakBytes = 0] = rss.stop().perProcess;
  const accepted = ascending(drive.samples.flatMap((s) => s.acceptedMs ?? []));
  const endToEnd = ascending(drive.samples.map((s) => s.ms));
  return {
    count: drive.samples.length,
    failures: drive.failures,
    acceptedMs: { p50: percentile(accepted, 50), p99: percentile(accepted, 99) },
    endToEndMs: { p50: percentile(endToEnd, 50), p99: percentile(endToEnd, 99) },
    gatewayRssPeakBytes,
  };
}

export async function runHostile(
  running: Running,
  spec: RowSpec,
  log: (line: string) => void,
): Promise<HostileReport> {
  if (running.gateway === undefined || spec.ratePerSecond === undefined) {
    throw new Error(`${spec.name}: the hostile row needs the gateway and a rate`);
  }
  const loadAverage1m = loadAverage();
  await setLatency(running.targetsUrl, spec.latencyMs);
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  try {
    const deliver = gatewayDeliver(running, spec, agent);
    const warmUp = await driveLanes(deliver, { concurrency: 5, count: 10 });
    if (warmUp.failures.length > 0) {
      throw new Error(`${spec.name}: the warm-up failed: ${warmUp.failures[0]}`);
    }
    const durationMs = spec.durationMs ?? 10_000;
    log(`${spec.name}: quiet…`);
    const quiet = await phase(running, spec, deliver, durationMs);
    log(`${spec.name}: flooded…`);
    const flooding = flood(running.gateway.url);
    const flooded = await phase(running, spec, deliver, durationMs);
    const tally = await flooding.stop();
    const p99Ratio = flooded.acceptedMs.p99 / quiet.acceptedMs.p99;
    return {
      name: spec.name,
      group: 'hostile',
      ratePerSecond: spec.ratePerSecond,
      phaseSeconds: durationMs / 1000,
      loadAverage1m,
      quiet,
      flooded,
      flood: tally,
      p99Ratio,
      goalMet: {
        p99: p99Ratio <= HOSTILE_GOAL.p99Ratio,
        rss:
          Math.max(quiet.gatewayRssPeakBytes, flooded.gatewayRssPeakBytes) <
          HOSTILE_GOAL.gatewayRssBytes,
      },
    };
  } finally {
    await agent.close();
  }
}
