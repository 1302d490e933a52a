/**
 * How the driver sends load: closed loop (a fixed number of lanes, each sending the next
 * delivery when its last one ended, for a count or a duration) or open loop (a fixed rate,
 * whatever the answers' speed), and the percentiles of what it saw.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** Sends one delivery with the given id; resolves when it ended well, throws otherwise. */
export type Deliver = (id: string) => Promise<DeliverTimes | void>;

/** Extra timings a way in reports, such as how long the gateway took to accept. */
export interface DeliverTimes {
  acceptedMs?: number;
}

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

async function once(deliver: Deliver, into: Drive): Promise<void> {
  const id = randomUUID();
  const startedAt = Date.now();
  const began = performance.now();
  try {
    const times = await deliver(id);
    into.samples.push({
      id,
      startedAt,
      endedAt: Date.now(),
      ms: performance.now() - began,
      ...(times && times.acceptedMs !== undefined && { acceptedMs: times.acceptedMs }),
    });
  } catch (error) {
    into.failures.push(messageOf(error));
  }
}

/** Closed loop: `concurrency` lanes until `count` deliveries were sent or `durationMs` passed. */
export async function driveLanes(
  deliver: Deliver,
  { concurrency, count, durationMs }: { concurrency: number; count?: number; durationMs?: number },
): Promise<Drive> {
  const result: Drive = { samples: [], failures: [], wallMs: 0 };
  const began = performance.now();
  const until = durationMs === undefined ? Infinity : began + durationMs;
  let issued = 0;
  const more = () => (count === undefined || issued < count) && performance.now() < until;
  const lane = async () => {
    while (more()) {
      issued += 1;
      await once(deliver, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count ?? concurrency) }, lane));
  result.wallMs = performance.now() - began;
  return result;
}

/** Open loop: starts a delivery every `1000 / ratePerSecond` ms for `durationMs`. */
export async function driveAtRate(
  deliver: Deliver,
  { ratePerSecond, durationMs }: { ratePerSecond: number; durationMs: number },
): Promise<Drive> {
  const result: Drive = { samples: [], failures: [], wallMs: 0 };
  const began = performance.now();
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    // Paced against the clock, not the previous send, so a slow tick does not lower the rate.
    const due = began + (n * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(once(deliver, result));
  }
  await Promise.all(inFlight);
  result.wallMs = performance.now() - began;
  return result;
}

/** Nearest-rank percentile of ascending `sorted`; `NaN` when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? NaN;
}

/** The values sorted ascending (a copy). */
export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
