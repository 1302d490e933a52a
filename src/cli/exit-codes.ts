import {
  ConfigError,
  DeliveryActionRefusedError,
  DeliveryConflictError,
  DeliveryNotFoundError,
  InvalidDeliveryError,
  TandemError,
  UnknownTargetError,
} from '../errors';
import { TemporalUnreachableError } from './connect';

/**
 * How `tandem` exits, so scripts can branch without parsing messages. `1` stays what it has
 * always been for `tandem worker`: the setup is wrong (config or connection) or something
 * unexpected happened; the one-line message on stderr says which.
 */
export const ExitCode = {
  ok: 0,
  /** The config is missing or invalid, Temporal cannot be reached, or an unexpected error. */
  setup: 1,
  /** Unknown verb or option, a missing argument or a bad option value. */
  usage: 2,
  /** No delivery has this id. */
  unknownDelivery: 3,
  /** The delivery names a target the config does not declare, or is otherwise malformed. */
  badDelivery: 4,
  /** The payload file is missing, unreadable or not JSON. */
  badPayload: 5,
  /** The delivery refused the action (e.g. retry when not parked), or the id is taken. */
  refused: 6,
  /** `deliver --wait`: the delivery ended (or parked) without completing. */
  notCompleted: 7,
  /** No answer in time: no worker answered the status query, or `--wait --timeout` passed. */
  timedOut: 8,
} as const;
/** One of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit codes as the help text lists them. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  the config is missing or invalid, Temporal cannot be reached, or an unexpected error
  2  usage: unknown verb or option, missing argument, bad option value
  3  unknown delivery: no delivery has this id
  4  bad delivery: unknown target or leg, malformed id or target list
  5  bad payload file: missing, unreadable, or not JSON (the message names the position)
  6  refused: the delivery is not in a state for this action, or the id was used for
     another request
  7  deliver --wait: the delivery ended compensated, cancelled or resolved, or parked as
     needs_attention
  8  timed out: no worker answered in time, or deliver --wait --timeout passed (the delivery
     goes on)`;

/** The payload given to `tandem deliver` cannot be used. */
export class PayloadFileError extends TandemError {
  override readonly name = 'PayloadFileError';
  readonly code = 'TANDEM_PAYLOAD_INVALID';
  constructor(
    readonly source: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** `deliver --wait` saw the delivery end (or park) without completing. */
export class DeliveryNotCompletedError extends TandemError {
  override readonly name = 'DeliveryNotCompletedError';
  readonly code = 'TANDEM_DELIVERY_NOT_COMPLETED';
  constructor(
    readonly deliveryId: string,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

/** A delivery's leg named by `retry --leg` does not exist. */
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

/** Nothing answered in time; what goes on meanwhile is said in the message. */
export class TimedOutError extends TandemError {
  override readonly name = 'TimedOutError';
  readonly code = 'TANDEM_TIMED_OUT';
}

/** The exit code and the one line (without the `tandem: ` prefix) that report a failure. */
export function describeFailure(error: unknown): { exitCode: ExitCode; message: string } {
  if (!(error instanceof TandemError)) {
    return {
      exitCode: ExitCode.setup,
      message: `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  return { exitCode: exitCodeOf(error), message: oneLine(error) };
}

function exitCodeOf(error: TandemError): ExitCode {
  if (error instanceof ConfigError || error instanceof TemporalUnreachableError) {
    return ExitCode.setup;
  }
  if (error instanceof DeliveryNotFoundError) return ExitCode.unknownDelivery;
  if (
    error instanceof UnknownTargetError ||
    error instanceof UnknownLegError ||
    error instanceof InvalidDeliveryError
  ) {
    return ExitCode.badDelivery;
  }
  if (error instanceof PayloadFileError) return ExitCode.badPayload;
  if (error instanceof DeliveryActionRefusedError || error instanceof DeliveryConflictError) {
    return ExitCode.refused;
  }
  if (error instanceof DeliveryNotCompletedError) return ExitCode.notCompleted;
  if (error instanceof TimedOutError) return ExitCode.timedOut;
  return ExitCode.setup;
}

/**
 * A config error lists every problem on its own line, which is what a person fixing the file
 * needs; every other failure is one line.
 */
function oneLine(error: TandemError): string {
  return error instanceof ConfigError ? error.message : error.message.replace(/\s*\n\s*/g, ' ');
}
