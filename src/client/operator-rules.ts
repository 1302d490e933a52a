/**
 * Which operator action a delivery accepts in which state: the one home of these rules, which
 * `TandemClient` applies before it asks anything of the run (the workflow checks again, as the
 * authority, before it acts).
 */
import { IN_PROGRESS_STATUSES, type DeliveryState } from '../contract/contracts';
import { type SteeringAction } from '../contract/operator-actions';
import { DeliveryActionRefusedError, UnknownLegError } from '../contract/action-errors';
import type { DeliveryRun } from './runs';

/** Why a delivery may not be cancelled now, or undefined when it may: only one in progress can. */
export function cancelRefusal(
  id: string,
  run: DeliveryRun,
): DeliveryActionRefusedError | undefined {
  const { status, open } = run;
  if (open && IN_PROGRESS_STATUSES.includes(status)) return undefined;
  const reason = !open
    ? `Delivery "${id}" has ended (${status}): there is nothing to cancel.`
    : status === 'needs_attention'
      ? `Delivery "${id}" is needs_attention, not running: there is nothing left to stop; retry or resolve it instead.`
      : `Delivery "${id}" is ${status}, not running: there is nothing to cancel.`;
  return new DeliveryActionRefusedError(id, 'cancel', reason, status);
}

/**
 * Why a delivery may not be retried or resolved now, or undefined when it may: only a parked
 * (`needs_attention`) one can, and a retry may name only one of its legs.
 */
export function actionRefusal(
  id: string,
  action: 'retry' | 'resolve',
  state: DeliveryState,
  leg?: string,
): DeliveryActionRefusedError | UnknownLegError | undefined {
  if (state.status !== 'needs_attention') {
    return new DeliveryActionRefusedError(
      id,
      action,
      `Delivery "${id}" is ${state.status}, not needs_attention: there is nothing to ${action}.`,
      state.status,
    );
  }
  const legs = state.legs.map((l) => l.target);
  if (leg !== undefined && !legs.includes(leg)) return new UnknownLegError(id, leg, legs);
  return undefined;
}

/**
 * Why a delivery may not be steered (`pause`, `resume`, `retryNow`, `extendDeadline`) now, or
 * undefined when the run may judge it: an ended run takes no action. Which legs an action fits
 * is the run's to say: it answers with why not.
 */
export function steerRefusal(
  id: string,
  action: SteeringAction,
  run: DeliveryRun,
): DeliveryActionRefusedError | undefined {
  if (run.open) return undefined;
  return new DeliveryActionRefusedError(
    id,
    action,
    `Delivery "${id}" has ended (${run.status}): there is nothing to ${action}.`,
    run.status,
  );
}
