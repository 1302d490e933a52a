/**
 * The hostile row: a well-behaved app posts deliveries through the gateway at a modest steady
 * rate, first alone (quiet), then while a hostile client floods the same gateway as fast as a
 * few connections go: 1 MiB bodies of wide objects nested near the depth limit, a megabyte of
 * `[`, and wrong API keys. It reports the app's `POST /v1/deliveries` latency and the gateway's
 * peak RSS in both phases, against the goal: p99 within 2× of quiet, RSS under 300 MiB.
 */
import { driveAtRate, p50p99, type Deliver } from './drive';
import { FLOOD_TALLY, type FloodTally } from './flood';
import type { RowSpec } from './matrix';
import { startChild, watchRss } from './processes';
import { rateOf, warmUp, withRow } from './row';
import { gatewayDeliver } from './sides';
import { FLOOD_KEY, type Running } from './system';

const MIB = 1024 * 1024;
/** The goal the row is reported against. */
export const HOSTILE_GOAL = { p99Ratio: 2, gatewayRssBytes: 300 * MIB } as const;

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

/** The hostile row's report. */
export interface HostileReport {
  name: string;
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

/** One phase: the app at the row's rate while the gateway's RSS is watched. */
async function phase(
  running: Running,
  spec: RowSpec,
  deliver: Deliver,
  durationMs: number,
): Promise<HostilePhase> {
  const rss = watchRss(running.gateway!.child.pid);
  const drive = await driveAtRate(deliver, { ratePerSecond: rateOf(spec), durationMs });
  return {
    count: drive.samples.length,
    failures: drive.failures,
    acceptedMs: p50p99(drive.samples.flatMap((s) => s.acceptedMs ?? [])),
    endToEndMs: p50p99(drive.samples.map((s) => s.ms)),
    gatewayRssPeakBytes: rss.stop(),
  };
}

/** The tally the flood process printed as it stopped. */
function floodTallyOf(output: string): FloodTally {
  const line = output.split('\n').find((l) => l.startsWith(FLOOD_TALLY));
  if (line === undefined) throw new Error(`the flood printed no tally:\n${output}`);
  return JSON.parse(line.slice(FLOOD_TALLY.length)) as FloodTally;
}

export function runHostile(
  running: Running,
  spec: RowSpec,
  log: (line: string) => void,
): Promise<HostileReport> {
  if (running.gateway === undefined) throw new Error(`${spec.name}: the row needs the gateway`);
  const gatewayUrl = running.gateway.url;
  return withRow(running, spec, async (agent, loadAverage1m) => {
    const deliver = gatewayDeliver(running, spec, agent);
    await warmUp(spec.name, deliver, 5, 10);
    const durationMs = spec.durationMs ?? 10_000;
    log(`${spec.name}: quiet…`);
    const quiet = await phase(running, spec, deliver, durationMs);
    log(`${spec.name}: flooded…`);
    // In a process of its own: the flood's work is not the app client's event loop's.
    const flooding = await startChild('flood', ['bench/flood-main.ts'], {
      env: { TANDEM_FLOOD_URL: gatewayUrl, TANDEM_FLOOD_KEY: FLOOD_KEY },
    });
    const flooded = await phase(running, spec, deliver, durationMs);
    await flooding.stop();
    const p99Ratio = flooded.acceptedMs.p99 / quiet.acceptedMs.p99;
    const rssPeak = Math.max(quiet.gatewayRssPeakBytes, flooded.gatewayRssPeakBytes);
    return {
      name: spec.name,
      ratePerSecond: rateOf(spec),
      phaseSeconds: durationMs / 1000,
      loadAverage1m,
      quiet,
      flooded,
      flood: floodTallyOf(flooding.output()),
      p99Ratio,
      goalMet: {
        p99: p99Ratio <= HOSTILE_GOAL.p99Ratio,
        rss: rssPeak < HOSTILE_GOAL.gatewayRssBytes,
      },
    };
  });
}
