import { TandemError, type Issue } from './errors';

/*
 * Errors of an operator's action on a delivery (cancel, retry, resolve, steering a leg): the
 * delivery refused it, its input is invalid, or it names a leg the delivery does not have; and
 * of an action on a target: the config has no such target, or its controller refused it.
 */

/** The delivery refused an operator's action (e.g. `retry` on a delivery that is not parked). */
export class DeliveryActionRefusedError extends TandemError {
  override readonly name = 'DeliveryActionRefusedError';
  readonly code = 'TANDEM_ACTION_REFUSED';
  constructor(
    readonly deliveryId: string,
    readonly action: string,
    reason: string,
    /** The delivery's status when it refused, when known. */
    readonly deliveryStatus?: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

/**
 * The run refused an operator action's input as invalid (a leg the delivery does not have, an
 * empty note): sent again as it is, it is refused again. `issues` names the fields, when the run
 * said which.
 */
export class InvalidActionError extends TandemError {
  override readonly name = 'InvalidActionError';
  readonly code = 'TANDEM_ACTION_INVALID';
  constructor(
    readonly deliveryId: string,
    readonly action: string,
    reason: string,
    readonly issues: readonly Issue[],
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

/** A delivery has no leg of this name (`retry --leg`). */
export class UnknownLegError extends TandemError {
  override readonly name = 'UnknownLegError';
  readonly code = 'TANDEM_UNKNOWN_LEG';
  constructor(
    readonly deliveryId: string,
    readonly leg: string,
    readonly legs: readonly string[],
  ) {
    super(`Delivery "${deliveryId}" has no leg "${leg}"; its legs are ${legs.join(', ')}.`);
  }
}

/** A target action names a target the config does not declare: nothing was started. */
export class TargetNotFoundError extends TandemError {
  override readonly name = 'TargetNotFoundError';
  readonly code = 'TANDEM_TARGET_NOT_FOUND';
  constructor(
    readonly target: string,
    readonly known: readonly string[],
  ) {
    super(
      `The config declares no target "${target}"; its targets are ${known.map((t) => `"${t}"`).join(', ')}.`,
    );
  }
}

/**
 * A target's controller refused an action (resume a target that is not paused, limit one without
 * a task queue of its own), or its input: nothing changed.
 */
export class TargetActionRefusedError extends TandemError {
  override readonly name = 'TargetActionRefusedError';
  readonly code = 'TANDEM_TARGET_ACTION_REFUSED';
  constructor(
    readonly target: string,
    readonly action: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}
