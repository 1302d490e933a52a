/**
 * How the driver sends load: closed loop (lanes, each sending its next delivery when its last one
 * ended) or open loop (a fixed rate, whatever the answers' speed); and percentiles of what it saw.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Sends one delivery; resolves when it ended well (with the gateway's 202 time), else throws. */
export type Deliver = (id: string) => Promise<{ acceptedMs?: number } | void>;

/** What one drive produced: a sample per delivery that ended well, a message per failure. */
export type Drive = Awaited<ReturnType<typeof timed>>;

async function timed(send: (once: () => Promise<void>) => Promise<unknown>, deliver: Deliver) {
  const drive = {
    // `Date.now()` at the start and end line up with the targets' log; `ms` is end to end.
    samples: [] as { id: string; startedAt: number; endedAt: number; ms: number }[],
    accepted: [] as number[],
    failures: [] as string[],
    wallMs: 0,
  };
  const once = async () => {
    const id = randomUUID();
    const startedAt = Date.now();
    const began = performance.now();
    try {
      const acceptedMs = (await deliver(id))?.acceptedMs;
      drive.samples.push({ id, startedAt, endedAt: Date.now(), ms: performance.now() - began });
      if (acceptedMs !== undefined) drive.accepted.push(acceptedMs);
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
      if (wait > 0) await sleep(wait);
      inFlight.push(once());
    }
    await Promise.all(inFlight);
  }, deliver);
}

/** Nearest-rank percentiles of `values`: the median, the 95th and the 99th; `NaN` when empty. */
export function percentiles(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99) };
}
