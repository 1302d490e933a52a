/**
 * A target's circuit breaker as a pure state machine: a sliding window of per-second buckets of
 * attempt outcomes, and the transitions closed → open → half_open → closed (or open again), each
 * with the line that says why. The target's controller workflow drives it (its history is the
 * breaker's log); pure and deterministic, so it is safe in workflow code and tested on its own.
 */
import { formatDuration } from './duration';
import type { AttemptOutcomeClass } from './metrics';

/**
 * The circuit breaker's states: `closed` lets every attempt through, `open` none (the target's
 * queue rate is 0 and the legs are held, their deadlines running), `half_open` a few probes.
 */
export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** A target's breaker settings, as the config gives them (durations in milliseconds). */
export interface BreakerSettings {
  /** The share of failed attempts (0 < rate ≤ 1) in the window that opens the breaker. */
  failureRate: number;
  /** Fewer attempts than this in the window never open it: too few to judge. */
  minAttempts: number;
  windowMs: number;
  /** How long the breaker stays open before it lets probes through. */
  openForMs: number;
  /** Successful probes in a row that close it again; the first failed probe reopens it. */
  probes: number;
}

/** Attempts per second let through while half open (the target's queue rate then). */
export const PROBE_RATE_PER_SECOND = 1;

/** What the workers report: deliver attempts that succeeded and failed since their last report. */
export interface AttemptOutcomes {
  ok: number;
  failed: number;
  /** When the report was made (ms since the epoch). */
  at: number;
}

/** One second of outcomes: `[second since the epoch, ok, failed]`. */
export type Bucket = [second: number, ok: number, failed: number];

/** What a breaker remembers, carried across the controller's continue-as-new. */
export interface BreakerMemory {
  state: BreakerState;
  /** When it entered its state (ISO 8601); absent: closed since the controller began. */
  since?: string;
  /** Why it entered its state, one line. */
  why?: string;
  /** The outcomes in the window, oldest first, while closed. */
  buckets: Bucket[];
  /** Probes that succeeded so far, while half open. */
  probesOk: number;
}

/** A change of state, with why. */
export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  why: string;
}

/** A breaker after a step, and the transition the step made, if any. */
export interface BreakerStep {
  memory: BreakerMemory;
  transition?: BreakerTransition;
}

/** A breaker that has seen nothing: closed, with an empty window. */
export const FRESH_BREAKER: BreakerMemory = { state: 'closed', buckets: [], probesOk: 0 };

const percent = (rate: number) => `${Number((rate * 100).toFixed(1))}%`;

/** The ok and failed attempts in the window ending at `nowMs`. */
export function windowTotals(
  memory: BreakerMemory,
  settings: BreakerSettings,
  nowMs: number,
): { ok: number; failed: number } {
  const first = Math.floor((nowMs - settings.windowMs) / 1000);
  let ok = 0;
  let failed = 0;
  for (const [second, o, f] of memory.buckets) {
    if (second <= first) continue;
    ok += o;
    failed += f;
  }
  return { ok, failed };
}

function enter(memory: BreakerMemory, to: BreakerState, why: string, nowMs: number): BreakerStep {
  return {
    memory: { state: to, since: new Date(nowMs).toISOString(), why, buckets: [], probesOk: 0 },
    transition: { from: memory.state, to, why },
  };
}

/**
 * Takes a report of outcomes at `nowMs`. Closed: they join the window (in the second they were
 * reported, never later than now), and the breaker opens when the window holds at least
 * `minAttempts` attempts of which at least `failureRate` failed. Half open: any failure reopens
 * it, and `probes` successes close it. Open: they are attempts that were on the wire when it
 * opened, and count for nothing.
 */
export function recordOutcomes(
  memory: BreakerMemory,
  settings: BreakerSettings,
  report: AttemptOutcomes,
  nowMs: number,
): BreakerStep {
  if (memory.state === 'open') return { memory };
  const openFor = formatDuration(settings.openForMs);
  if (memory.state === 'half_open') {
    if (report.failed > 0) {
      return enter(memory, 'open', `probe failed: reopened for ${openFor}`, nowMs);
    }
    const probesOk = memory.probesOk + report.ok;
    if (probesOk >= settings.probes) {
      return enter(memory, 'closed', `${probesOk} probe(s) succeeded`, nowMs);
    }
    return { memory: { ...memory, probesOk } };
  }
  const second = Math.floor(Math.min(report.at, nowMs) / 1000);
  const first = Math.floor((nowMs - settings.windowMs) / 1000);
  const buckets = memory.buckets.filter(([s]) => s > first).map((b) => [...b] as Bucket);
  if (second > first && report.ok + report.failed > 0) {
    const same = buckets.find(([s]) => s === second);
    if (same) {
      same[1] += report.ok;
      same[2] += report.failed;
    } else {
      buckets.push([second, report.ok, report.failed]);
      buckets.sort((a, b) => a[0] - b[0]);
    }
  }
  const next = { ...memory, buckets };
  const { ok, failed } = windowTotals(next, settings, nowMs);
  const attempts = ok + failed;
  if (attempts >= settings.minAttempts && failed / attempts >= settings.failureRate) {
    return enter(
      next,
      'open',
      `${failed} of ${attempts} attempts failed in ${formatDuration(settings.windowMs)} ` +
        `(opens at ${percent(settings.failureRate)} of at least ${settings.minAttempts}): open for ${openFor}`,
      nowMs,
    );
  }
  return { memory: next };
}

/** When an open breaker lets probes through (ms since the epoch); `undefined` unless open. */
export function halfOpensAt(memory: BreakerMemory, settings: BreakerSettings): number | undefined {
  if (memory.state !== 'open') return undefined;
  return Date.parse(memory.since ?? '') + settings.openForMs;
}

/** At `nowMs`, an open breaker whose `openFor` has passed turns half open. */
export function maybeHalfOpen(
  memory: BreakerMemory,
  settings: BreakerSettings,
  nowMs: number,
): BreakerStep {
  const at = halfOpensAt(memory, settings);
  if (at === undefined || nowMs < at) return { memory };
  return enter(
    memory,
    'half_open',
    `open for ${formatDuration(settings.openForMs)}: letting probes through at ` +
      `${PROBE_RATE_PER_SECOND}/s, ${settings.probes} success(es) close it, a failure reopens it`,
    nowMs,
  );
}

/** A breaker whose target no longer has one in the config (`breaker: off`) closes. */
export function switchedOff(memory: BreakerMemory, nowMs: number): BreakerStep {
  if (memory.state === 'closed') return { memory: { ...memory, buckets: [] } };
  return enter(memory, 'closed', 'the breaker is off in the config', nowMs);
}

/**
 * How a deliver attempt's outcome counts for its target's breaker: a success as ok; a transient
 * answer or no answer as failed; a permanent refusal (it says nothing of the target's health) and
 * an attempt never sent, not at all.
 */
export function breakerCount(outcome: AttemptOutcomeClass): 'ok' | 'failed' | undefined {
  if (outcome === 'success') return 'ok';
  return outcome === 'transient' || outcome === 'network' ? 'failed' : undefined;
}
