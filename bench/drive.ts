/**
 * How the driver sends load: closed loop (a fixed number of lanes, each sending the next
 * delivery when its last one ended, for a count or a duration) or open loop (a fixed rate,
 * whatever the answers' speed), and the percentiles of what it saw.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** Sends one delivery; resolves when it ended well (with the gateway's 202 time), else throws. */
export type Deliver = (id: string) => Promise<{ acceptedMs?: number } | void>;

/** One delivery as the driver saw it. */
export interface Sample {
  id: string;
  /** `Date.now()` at the start and end, to line up with the targets' log. */
  startedAt: number;
  endedAt: number;
  /** End to end, from `performance.now()`. */
  ms: number;
  acceptedMs?: number;
}

/** What one drive produced. */
export interface Drive {
  samples: Sample[];
  failures: string[];
  wallMs: number;
}

/** Runs `send` with a drive to record into, and times it. */
async function timed(send: (once: () => Promise<void>) => Promise<unknown>, deliver: Deliver) {
  const drive: Drive = { samples: [], failures: [], wallMs: 0 };
  const once = async () => {
    const id = randomUUID();
    const startedAt = Date.now();
    const began = performance.now();
    try {
      const times = await deliver(id);
      const ms = performance.now() - began;
      drive.samples.push({ id, startedAt, endedAt: Date.now(), ms, acceptedMs: times?.acceptedMs });
    } catch (error) {
      drive.failures.push(error instanceof Error ? error.message : String(error));
    }
  };
  const began = performance.now();
  await send(once);
  drive.wallMs = performance.now() - began;
  return drive;
}

/** Closed loop: `concurrency` lanes until `count` deliveries were sent or `durationMs` passed. */
export function driveLanes(
  deliver: Deliver,
  { concurrency, count, durationMs }: { concurrency: number; count?: number; durationMs?: number },
): Promise<Drive> {
  const until = performance.now() + (durationMs ?? Infinity);
  let issued = 0;
  const more = () => (count === undefined || issued < count) && performance.now() < until;
  return timed(async (once) => {
    const lane = async () => {
      while (more()) {
        issued += 1;
        await once();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count ?? concurrency) }, lane));
  }, deliver);
}

/** Open loop: starts a delivery every `1000 / ratePerSecond` ms for `durationMs`. */
export function driveAtRate(
  deliver: Deliver,
  { ratePerSecond, durationMs }: { ratePerSecond: number; durationMs: number },
): Promise<Drive> {
  return timed(async (once) => {
    const began = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let n = 0; n < Math.round((ratePerSecond * durationMs) / 1000); n++) {
      // Paced against the clock, not the previous send, so a slow tick does not lower the rate.
      const wait = began + (n * 1000) / ratePerSecond - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(once());
    }
    await Promise.all(inFlight);
  }, deliver);
}

/** Nearest-rank percentile of ascending `sorted`; `NaN` when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? NaN;
}

/** The median and the 99th percentile of `values`. */
export function p50p99(values: readonly number[]): { p50: number; p99: number } {
  const sorted = ascending(values);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** The values sorted ascending (a copy). */
export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
