/**
 * Whether a leg has work left: the one rule steering (what a pause can hold) and the signal
 * forms (when to offer a pause) share, kept apart so the run's view needs no steering code.
 */
import type { LegState, LegStatus } from './contracts';

/** Statuses after which a leg has nothing left to attempt, unless its outcome is unknown. */
const SETTLED: readonly LegStatus[] = ['failed', 'cancelled', 'compensated'];

/** Whether a leg may still make an attempt (send or undo): what a pause can hold. */
export function hasWorkLeft({ status, outcomeUnknown }: LegState): boolean {
  return !SETTLED.includes(status) || (outcomeUnknown && status !== 'compensated');
}
