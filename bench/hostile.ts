/**
 * The hostile row: a well-behaved app posts deliveries through the gateway at a modest steady
 * rate, first alone (quiet), then while a hostile client floods the same gateway as fast as a
 * few connections go: 1 MiB bodies of wide objects nested near the depth limit, a megabyte of
 * `[`, and wrong API keys. It reports the app's `POST /v1/deliveries` latency and the gateway's
 * peak RSS in both phases, against the goal: p99 within 2× of quiet, RSS under 300 MiB.
 */
import { driveAtRate, percentiles, type Deliver } from './drive';
import { FLOOD_TALLY, type FloodTally } from './flood';
import type { RowSpec } from './matrix';
import { startChild, watchRss } from './processes';
import { rateOf, warmUp, withRow } from './row';
import { tandemDeliver } from './sides';
import { FLOOD_KEY, type Running } from './system';

/** The goal the row is reported against. */
export const HOSTILE_GOAL = { p99Ratio: 2, gatewayRssBytes: 300 * 2 ** 20 } as const;

/** The hostile row's report. */
export type HostileReport = Awaited<ReturnType<typeof runHostile>>;
/** One phase of the row, as the well-behaved app saw it. */
export type HostilePhase = HostileReport['quiet'];

/** One phase: the app at the row's rate while the gateway's RSS is watched. */
async function phase(running: Running, spec: RowSpec, deliver: Deliver, durationMs: number) {
  const rss = watchRss(running.gateway!.child.pid);
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
    /** Flooded p99 of the 202 over quiet p99. */
    const p99Ratio = flooded.acceptedMs.p99 / quiet.acceptedMs.p99;
    const rssPeak = Math.max(quiet.gatewayRssPeakBytes, flooded.gatewayRssPeakBytes);
    return {
      name: spec.name,
      ratePerSecond: rateOf(spec),
      phaseSeconds: durationMs / 1000,
      loadAverage1m,
      quiet,
      flooded,
      flood: JSON.parse(tally) as FloodTally,
      p99Ratio,
      goalMet: {
        p99: p99Ratio <= HOSTILE_GOAL.p99Ratio,
        rss: rssPeak < HOSTILE_GOAL.gatewayRssBytes,
      },
    };
  });
}
