import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  TimeoutFailure,
} from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import type { PhaseState, RetryPlan } from '../contract/contracts';
import { formatDuration } from '../contract/duration';
import type { AttemptFailureDetails, AttemptOutcome } from '../contract/failures';
import { nextRetryDelay } from './backoff';
import type { PhaseClock } from './clock';
import { backoffEvent, heldEvent } from './phase-span';

/** What a phase's attempts report as they happen, to the run's record (which owns them). */
export interface PhaseProgress {
  /** The phase's attempts so far (counted across operator retries) and last error. */
  readonly facts: Readonly<PhaseState>;
  /** Counts a new attempt and returns its number. */
  attemptStarted(): number;
  attemptFailed(error: string, httpStatus?: number): void;
  /** The phase starts waiting: out a backoff, or for a resume while paused. */
  waiting(): void;
  /** The next attempt waits for the `Retry-After` of `delayMs` the target asked for. */
  retryAfterObeyed(delayMs: number): void;
}

/** How to run the attempts of one phase (sending a leg, or undoing it). */
export interface AttemptsOptions<T> {
  retry: RetryPlan;
  /** The phase's deadline (from `retry.deadlineMs`) and backoff wait, steered by operators. */
  clock: PhaseClock;
  timeoutMs: number;
  /** Where attempts and errors are reported as they happen. */
  progress: PhaseProgress;
  /** When true, no new attempt starts; an attempt already running is let finish. */
  stopped: () => boolean;
  /**
   * Why the leg's target holds it with its deadline running (its breaker open), while it does:
   * no attempt starts meanwhile, and a deadline that passes ends the phase with this reason.
   */
  held?: () => string | undefined;
  /**
   * Says why the run's history has no room for another attempt, if it has none: then the phase
   * fails with that reason instead of starting one.
   */
  historyFull?: () => string | undefined;
  /**
   * Runs attempt `n` (numbered across operator retries) with its HTTP timeout and the time
   * left before the deadline, which bounds how long it may wait for a worker.
   */
  attempt: (n: number, timeoutMs: number, remainingMs: number) => Promise<T>;
}

/** How a phase ended. */
export type AttemptsResult<T> =
  { ok: true; value: T } | { ok: false; stopped: boolean; error: string; outcomeUnknown: boolean };

interface FailedAttempt {
  message: string;
  permanent: boolean;
  outcome: AttemptOutcome;
  status?: number;
  retryAfterMs?: number;
}

/** What a failed attempt's error says: its message, whether to retry, and the outcome. */
function classifyFailure(error: unknown): FailedAttempt {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as AttemptFailureDetails | undefined;
    return {
      message: cause.message,
      permanent: cause.nonRetryable === true,
      outcome: details?.outcome ?? 'unknown',
      ...(details?.status !== undefined && { status: details.status }),
      ...(details?.retryAfterMs !== undefined && { retryAfterMs: details.retryAfterMs }),
    };
  }
  if (cause instanceof TimeoutFailure) {
    const notStarted = cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
    return {
      message: notStarted
        ? 'no worker took the attempt before the deadline'
        : `the attempt's worker went silent (${(cause.timeoutType ?? 'unknown').toLowerCase()} timeout)`,
      permanent: false,
      outcome: notStarted ? 'not_sent' : 'unknown',
    };
  }
  return {
    message: cause instanceof Error ? cause.message : String(cause),
    permanent: false,
    outcome: 'unknown',
  };
}

/**
 * Runs attempts until one succeeds, one fails for good, the policy gives up, the deadline
 * would pass, the run's history is full, or `stopped()` turns true. Each attempt is its own activity so the workflow knows
 * every outcome: an attempt whose answer never came makes the phase's outcome unknown.
 */
export async function runAttempts<T>(options: AttemptsOptions<T>): Promise<AttemptsResult<T>> {
  const { retry, progress, clock } = options;
  let outcomeUnknown = false;
  const held = () => options.held?.();
  // A leg that fails for good while its target's breaker holds it says so (an attempt queued on
  // the server when the breaker opened waits there until the deadline, too).
  const fail = (error: string, stopped = false): AttemptsResult<T> => {
    const holding = stopped ? undefined : held();
    return {
      ok: false,
      stopped,
      error: holding === undefined || error.startsWith(holding) ? error : `${holding}: ${error}`,
      outcomeUnknown,
    };
  };

  for (let tries = 1; ; tries++) {
    // Paused (deadline suspended) or held by the breaker (deadline running), until neither is.
    while (!options.stopped() && (clock.paused || held() !== undefined)) {
      progress.waiting();
      if (clock.paused) await clock.whilePaused(options.stopped);
      else if (clock.remainingMs() <= 0) break;
      else {
        heldEvent(held()!);
        const lifted = () => held() === undefined || clock.paused || options.stopped();
        await condition(lifted, clock.remainingMs());
      }
    }
    if (options.stopped())
      return fail(progress.facts.lastError ?? 'stopped before it was sent', true);
    // A retry timer can fire later than asked when workers are busy: past the deadline, no
    // attempt starts (and none could be scheduled with a negative timeout).
    const remainingMs = clock.remainingMs();
    if (remainingMs <= 0) {
      return fail(
        `the ${formatDuration(retry.deadlineMs)} deadline passed before the next attempt: ${progress.facts.lastError ?? 'no attempt was made'}`,
      );
    }
    const full = options.historyFull?.();
    if (full !== undefined) {
      return fail(
        `${full} before attempt ${progress.facts.attempts + 1}; last error: ${progress.facts.lastError ?? 'none'}`,
      );
    }
    const n = progress.attemptStarted();
    try {
      const value = await options.attempt(n, Math.min(options.timeoutMs, remainingMs), remainingMs);
      return { ok: true, value };
    } catch (error) {
      const failed = classifyFailure(error);
      progress.attemptFailed(failed.message, failed.status);
      if (failed.outcome === 'unknown') outcomeUnknown = true;
      if (failed.permanent) return fail(failed.message);
      if (retry.maximumAttempts > 0 && tries >= retry.maximumAttempts) {
        return fail(`gave up after ${tries} attempts: ${failed.message}`);
      }
      const delay = nextRetryDelay(retry, tries, failed.retryAfterMs, Math.random);
      if (delay >= clock.remainingMs()) {
        return fail(
          `the ${formatDuration(retry.deadlineMs)} deadline would pass before the next attempt: ${failed.message}`,
        );
      }
      if (failed.retryAfterMs !== undefined) progress.retryAfterObeyed(failed.retryAfterMs);
      progress.waiting();
      backoffEvent(delay, failed.retryAfterMs);
      await clock.backoff(delay, options.stopped);
    }
  }
}
