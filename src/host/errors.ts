/**
 * Errors of the dev tools: the Temporal CLI behind `tandem dev` and the tests, and the browser of
 * the UI test. Like every Tandem error they extend `TandemError` and carry a stable `code`.
 */
import { TandemError } from '../contract/errors';

/** Stable codes of {@link TemporalCliError}s. */
export const TemporalCliErrorCode = {
  notFound: 'TANDEM_TEMPORAL_CLI_NOT_FOUND',
  invalidPath: 'TANDEM_TEMPORAL_CLI_INVALID_PATH',
  installFailed: 'TANDEM_TEMPORAL_CLI_INSTALL_FAILED',
} as const;
/** One of {@link TemporalCliErrorCode}. */
export type TemporalCliErrorCode = (typeof TemporalCliErrorCode)[keyof typeof TemporalCliErrorCode];

/** Base of the errors raised while obtaining the Temporal CLI. */
export abstract class TemporalCliError extends TandemError {
  abstract override readonly code: TemporalCliErrorCode;
}

/** `TEMPORAL_CLI` is set but does not name an executable file; the other routes are not tried. */
export class TemporalCliInvalidPathError extends TemporalCliError {
  override readonly name = 'TemporalCliInvalidPathError';
  readonly code = TemporalCliErrorCode.invalidPath;

  constructor(
    /** The value of `TEMPORAL_CLI`, resolved to an absolute path. */
    readonly path: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(
      `TEMPORAL_CLI=${path} ${problem}. Point TEMPORAL_CLI at the temporal executable, ` +
        `or unset it to let Tandem find or install the CLI.`,
      options,
    );
  }
}

/** A pip or go command that should have installed the CLI exited with an error. */
export class TemporalCliInstallError extends TemporalCliError {
  override readonly name = 'TemporalCliInstallError';
  readonly code = TemporalCliErrorCode.installFailed;

  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    /** The end of `stderr`, as the message quotes it. */
    stderrTail: string,
  ) {
    super(`\`${command.join(' ')}\` exited with code ${exitCode}: ${stderrTail}`);
  }
}

/** Why one way of obtaining the Temporal CLI produced none. */
export interface TemporalCliRouteAttempt {
  /** The route's name, e.g. `pip`. */
  readonly route: string;
  /** One line, for people. */
  readonly reason: string;
  readonly cause?: unknown;
}

/** No route produced a CLI; {@link TemporalCliNotFoundError.attempts} says why, route by route. */
export class TemporalCliNotFoundError extends TemporalCliError {
  override readonly name = 'TemporalCliNotFoundError';
  readonly code = TemporalCliErrorCode.notFound;

  constructor(
    /** Every route tried, in order, with why it failed. */
    readonly attempts: readonly TemporalCliRouteAttempt[],
    /** Ways to install it by hand, one line each. */
    manualInstalls: readonly string[],
  ) {
    const causes = attempts.flatMap((attempt) =>
      attempt.cause === undefined ? [] : [attempt.cause],
    );
    super(
      [
        'Could not obtain the Temporal CLI. Routes tried, in order:',
        ...attempts.map((attempt, i) => `  ${i + 1}. ${attempt.route}: ${attempt.reason}`),
        'Install it by hand, then run again, with one of:',
        ...manualInstalls.map((line) => `  - ${line}`),
      ].join('\n'),
      causes.length === 0
        ? undefined
        : {
            cause:
              causes.length === 1
                ? causes[0]
                : new AggregateError(causes, 'Every install route failed'),
          },
    );
  }
}

/** No Chromium was found for the UI test and none could be installed; the message says what to do. */
export class ChromiumUnavailableError extends TandemError {
  override readonly name = 'ChromiumUnavailableError';
  readonly code = 'TANDEM_CHROMIUM_UNAVAILABLE';
  constructor(message: string, options?: ErrorOptions) {
    super(
      `${message}\nRun \`npm run browser:install\` as root (it uses apt-get), or install it by hand ` +
        '(apt-get update && apt-get install -y chromium), or set CHROMIUM_PATH to a Chromium or ' +
        'Chrome executable, then run again.',
      options,
    );
  }
}

/** The dynamic config file the dev server is given cannot be read as Temporal's dynamic config. */
export class DynamicConfigError extends TandemError {
  override readonly name = 'DynamicConfigError';
  readonly code = 'TANDEM_DYNAMIC_CONFIG';

  constructor(
    readonly file: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(
      `${file}: ${problem}. Fix the file (see docs/operations.md, "One server config").`,
      options,
    );
  }
}
