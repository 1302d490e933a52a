import { ERROR_CODES, ExitCode } from '../contract/error-codes';
import { ConfigError, InvalidDeliveryError, TandemError } from '../contract/errors';

/** The exit codes as the help text lists them. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  the config is missing or invalid, Temporal cannot be reached, or an unexpected error
  2  usage: unknown verb or option, missing argument, bad option value
  3  unknown delivery: no delivery (or bulk action) has this id
  4  bad delivery: unknown target or leg, malformed id or target list, or an action's
     input the delivery refuses as invalid
  5  bad payload: missing, unreadable, not JSON (the message names the position), over
     limits.payload, or holding a value Tandem cannot carry (1e999, nesting over 64 deep)
  6  refused: the delivery is not in a state for this action, or the id was used for
     another request; a bulk action Temporal would not start, or that ended with failures
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

/** The exit code of `error`'s code; a payload Tandem cannot carry is a bad payload. */
function exitCodeOf(error: TandemError): ExitCode {
  if (error instanceof InvalidDeliveryError) {
    // A payload the file held but Tandem cannot carry (1e999, too deep) is a bad payload file.
    const payloadOnly = error.issues.every(
      (i) => i.path === 'payload' || i.path.startsWith('payload.'),
    );
    if (payloadOnly) return ExitCode.badPayload;
  }
  return ERROR_CODES[error.code].exit;
}

/**
 * A config error lists every problem on its own line, which is what a person fixing the file
 * needs; every other failure is one line.
 */
function oneLine(error: TandemError): string {
  return error instanceof ConfigError ? error.message : error.message.replace(/\s*\n\s*/g, ' ');
}
