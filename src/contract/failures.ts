/**
 * Failure `type`s that cross the Temporal boundary. Activities throw `ApplicationFailure`s with
 * these types and the workflow matches on them (never on `instanceof`), so they are declared
 * once here, in a module that is safe to import from workflow code.
 */
export const FailureType = {
  /** The target answered with a status the contract judges transient (408, 429, 5xx…). */
  TransientHttp: 'TransientHttpError',
  /** The target answered with a status the contract judges permanent (other 4xx, 3xx, 501…). */
  PermanentHttp: 'PermanentHttpError',
  /** The request could not be completed on the wire (refused, reset, timed out). */
  Network: 'NetworkError',
  /** The request cannot be sent as built (an invalid URL or header value); it was not sent. */
  Unsendable: 'UnsendableRequestError',
  /** The egress fence refused the connection (a host or an address not allowed); not sent. */
  EgressRefused: 'EgressRefusedError',
  /** A compensation template names a field the leg does not have. */
  Template: 'TemplateError',
  /** The worker cannot build the request (unknown target, unset secret). */
  WorkerConfig: 'WorkerConfigError',
  /** The worker could not read the delivery's payload from its run's start event. */
  PayloadUnavailable: 'PayloadUnavailableError',
  /** The delivery ended with its successful legs undone. */
  DeliveryCompensated: 'DeliveryCompensated',
  /** An operator action (retry, resolve) on a delivery or leg that is not waiting for one. */
  NotParked: 'NotParked',
  /** An operator retry of legs that declare no compensation: only resolving can close them. */
  NotRetryable: 'NotRetryable',
  /**
   * An operator action that does not apply to the legs as they are now (resume a leg that is
   * not paused, retry now a leg that is not waiting to retry).
   */
  NotApplicable: 'OperatorActionNotApplicable',
  /** An operator action whose arguments are wrong (an unknown leg, an empty note). */
  InvalidAction: 'InvalidOperatorAction',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/**
 * What an attempt's failure says about the target's state: `not_sent` (nothing reached the
 * target), `rejected` (the target answered and did nothing), `unknown` (the request may have
 * been acted on but no answer came back).
 */
export type AttemptOutcome = 'not_sent' | 'rejected' | 'unknown';

/** The details carried by every attempt failure an activity throws. */
export interface AttemptFailureDetails {
  outcome: AttemptOutcome;
  /** HTTP status of the answer, when there was one. */
  status?: number;
  /** Delay the target asked for with `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
}
