import {
  ConfigError,
  DeliveryActionRefusedError,
  DeliveryConflictError,
  DeliveryNotCompletedError,
  DeliveryNotFoundError,
  InvalidDeliveryError,
  PayloadFileError,
  PayloadTooLargeError,
  TandemError,
  TemporalUnavailableError,
  TimedOutError,
  UnknownLegError,
  UnknownTargetError,
  WorkerUnavailableError,
} from '../contract/errors';

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
  /** The payload is missing, unreadable, not JSON, too large, or holds what cannot be carried. */
  badPayload: 5,
  /** The delivery refused the action (e.g. retry when not parked), or the id is taken. */
  refused: 6,
  /** `deliver --wait`: the delivery ended (or parked) without completing. */
  notCompleted: 7,
  /** No answer in time: no worker took an action, or `--wait --timeout` passed. */
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
  5  bad payload: missing, unreadable, not JSON (the message names the position), over
     limits.payload, or holding a value Tandem cannot carry (1e999, nesting over 64 deep)
  6  refused: the delivery is not in a state for this action, or the id was used for
     another request
  7  deliver --wait: the delivery ended compensated, cancelled or resolved, or parked as
     needs_attention
  8  timed out: no worker took a retry or resolve in time, or deliver --wait --timeout
     passed (the delivery goes on)`;

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
  if (error instanceof ConfigError || error instanceof TemporalUnavailableError) {
    return ExitCode.setup;
  }
  if (error instanceof DeliveryNotFoundError) return ExitCode.unknownDelivery;
  if (error instanceof PayloadFileError || error instanceof PayloadTooLargeError) {
    return ExitCode.badPayload;
  }
  if (error instanceof InvalidDeliveryError) {
    // A payload the file held but Tandem cannot carry (1e999, too deep) is a bad payload file.
    const payloadOnly = error.issues.every(
      (i) => i.path === 'payload' || i.path.startsWith('payload.'),
    );
    return payloadOnly ? ExitCode.badPayload : ExitCode.badDelivery;
  }
  if (error instanceof UnknownTargetError || error instanceof UnknownLegError) {
    return ExitCode.badDelivery;
  }
  if (error instanceof DeliveryActionRefusedError || error instanceof DeliveryConflictError) {
    return ExitCode.refused;
  }
  if (error instanceof DeliveryNotCompletedError) return ExitCode.notCompleted;
  if (error instanceof TimedOutError || error instanceof WorkerUnavailableError) {
    return ExitCode.timedOut;
  }
  return ExitCode.setup;
}

/**
 * A config error lists every problem on its own line, which is what a person fixing the file
 * needs; every other failure is one line.
 */
function oneLine(error: TandemError): string {
  return error instanceof ConfigError ? error.message : error.message.replace(/\s*\n\s*/g, ' ');
}
