import { metricMeter } from '@temporalio/workflow';
import type { BreakerState } from '../contract/breaker';
import type { DeliveryStatus } from '../contract/contracts';
import { meterName, METRICS, type CompensationOutcome } from '../contract/metrics';

/*
 * The run's own metrics, through the workflow's meter: the SDK records them only when the code
 * runs for the first time, never on replay, so each outcome is counted once however often a
 * worker replays the run, and a replay issues no command for them.
 */

/** A delivery reached `status` (an outcome: completed, compensated, …), `startedAt` ms ago. */
export function deliveryReached(status: DeliveryStatus, startedAt: number): void {
  const { deliveryOutcomes, deliveryDuration } = METRICS;
  metricMeter
    .createCounter(meterName(deliveryOutcomes), '', deliveryOutcomes.help)
    .add(1, { status });
  metricMeter
    .createHistogram(meterName(deliveryDuration), 'float', '', deliveryDuration.help)
    .record(Math.max(0, Date.now() - startedAt) / 1000, { status });
}

/** The compensation of `target`'s leg ended with `outcome`. */
export function compensationEnded(target: string, outcome: CompensationOutcome): void {
  const { compensations } = METRICS;
  metricMeter
    .createCounter(meterName(compensations), '', compensations.help)
    .add(1, { target, outcome });
}

/** `target`'s leg waits `delayMs` before its next attempt because the target asked to. */
export function retryAfterObeyed(target: string, delayMs: number): void {
  const { retryAfterDelay } = METRICS;
  metricMeter
    .createHistogram(meterName(retryAfterDelay), 'float', '', retryAfterDelay.help)
    .record(delayMs / 1000, { target });
}

/** `target`'s circuit breaker went to `to` (counted once, by the controller's first run of it). */
export function breakerTransitioned(target: string, to: BreakerState): void {
  const { breakerTransitions } = METRICS;
  metricMeter
    .createCounter(meterName(breakerTransitions), '', breakerTransitions.help)
    .add(1, { target, to });
}
