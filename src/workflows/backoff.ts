import type { RetryPlan } from '../contract/contracts';

/**
 * The delay before attempt `failedAttempt + 1`: exponential from `initialInterval`, capped at
 * `maximumInterval`; with `full` jitter drawn from [0, delay] so retries of many deliveries
 * spread out; never shorter than the target's `Retry-After`. `random` is the workflow's
 * deterministic `Math.random`.
 */
export function nextRetryDelay(
  retry: RetryPlan,
  failedAttempt: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const exponential = retry.initialIntervalMs * retry.backoffCoefficient ** (failedAttempt - 1);
  const capped = Math.min(exponential, retry.maximumIntervalMs);
  const delay = retry.jitter === 'full' ? Math.floor(random() * capped) : capped;
  return Math.max(delay, retryAfterMs ?? 0);
}
