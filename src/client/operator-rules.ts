/**
 * Which operator action a delivery accepts in which state: the one home of these rules, which
 * `TandemClient` applies before it asks anything of the run (the workflow checks again, as the
 * authority, before it acts). What each action requires is the action table's `when.run`.
 */
import { IN_PROGRESS_STATUSES } from '../contract/contracts';
import { deliveryActionSpec, type DeliveryActionName } from '../contract/action-types';
import { DeliveryActionRefusedError, UnknownLegError } from '../contract/action-errors';
import type { DeliveryRun } from './runs';

/**
 * Why `action` may not be asked of the delivery now, or undefined when it may: a cancel needs a
 * delivery in progress; a retry or resolve a parked (`needs_attention`) one, and a leg it has;
 * a steering action an open run (which legs it fits is the run's to say: it answers with why not).
 */
export function actionRefusal(
  id: string,
  action: DeliveryActionName,
  run: DeliveryRun,
  leg?: string,
): DeliveryActionRefusedError | UnknownLegError | undefined {
  const { status, open } = run;
  const refused = (reason: string) => new DeliveryActionRefusedError(id, action, reason, status);
  switch (deliveryActionSpec(action).when.run) {
    case 'in_progress':
      if (open && IN_PROGRESS_STATUSES.includes(status)) return undefined;
      return refused(
        !open
          ? `Delivery "${id}" has ended (${status}): there is nothing to ${action}.`
          : status === 'needs_attention'
            ? `Delivery "${id}" is needs_attention, not running: there is nothing left to stop; retry or resolve it instead.`
            : `Delivery "${id}" is ${status}, not running: there is nothing to ${action}.`,
      );
    case 'parked':
      if (status !== 'needs_attention') {
        return refused(
          `Delivery "${id}" is ${status}, not needs_attention: there is nothing to ${action}.`,
        );
      }
      return leg !== undefined && !run.targets.includes(leg)
        ? new UnknownLegError(id, leg, run.targets)
        : undefined;
    case 'open':
      return open
        ? undefined
        : refused(`Delivery "${id}" has ended (${status}): there is nothing to ${action}.`);
  }
}
