import { TandemError, type Issue } from './errors';

/*
 * Errors of an operator's action on a delivery (cancel, retry, resolve, steering a leg): the
 * delivery refused it, its input is invalid, or it names a leg the delivery does not have; of a
 * bulk action: its selection is unusable, Temporal would not start it, or it left deliveries
 * unreached; and of an action on a target: the config has no such target, or its controller
 * refused it.
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

/**
 * A bulk action's selection is unusable: no selection without `all`, a status the action does
 * not apply to, a target that is not a target name, a `since` that is not a duration. `issues`
 * names each field; nothing was started.
 */
export class InvalidBatchSelectionError extends TandemError {
  override readonly name = 'InvalidBatchSelectionError';
  readonly code = 'TANDEM_BATCH_SELECTION_INVALID';
  constructor(
    readonly action: string,
    readonly issues: readonly Issue[],
  ) {
    super(
      `Bulk ${action}: ${issues.map(({ path, detail }) => `${path}: ${detail}`).join('; ')}. ` +
        'Nothing was started.',
    );
  }
}

/** No bulk action has this id (or Temporal no longer keeps it). */
export class BatchNotFoundError extends TandemError {
  override readonly name = 'BatchNotFoundError';
  readonly code = 'TANDEM_BATCH_NOT_FOUND';
  constructor(
    readonly batchId: string,
    options?: ErrorOptions,
  ) {
    super(`No bulk action has the id "${batchId}" in this namespace.`, options);
  }
}

/**
 * Temporal would not start the bulk action now: it runs a namespace's batch operations one (or
 * `frontend.MaxConcurrentBatchOperationPerNamespace`) at a time, or it is rate limiting.
 */
export class BatchRefusedError extends TandemError {
  override readonly name = 'BatchRefusedError';
  readonly code = 'TANDEM_BATCH_REFUSED';
  constructor(
    readonly action: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `Temporal did not start the bulk ${action} (${detail}): another bulk action is probably ` +
        'still running in this namespace; wait for it ("tandem batch status ID") and start ' +
        'again. Nothing was started.',
      options,
    );
  }
}

/** A followed bulk action ended with deliveries it could not reach, or failed as a whole. */
export class BatchIncompleteError extends TandemError {
  override readonly name = 'BatchIncompleteError';
  readonly code = 'TANDEM_BATCH_INCOMPLETE';
  constructor(
    readonly batchId: string,
    readonly state: string,
    counts: string,
  ) {
    super(
      `Bulk action ${batchId} ended ${state} (${counts}): the deliveries it could not reach had ` +
        'most likely ended meanwhile; see "tandem list --status …" and act on those left by hand.',
    );
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
