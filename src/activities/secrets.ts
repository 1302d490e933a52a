import { ApplicationFailure } from '@temporalio/activity';
import { FailureType, type AttemptFailureDetails } from '../failures';

const SECRET = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${VAR}` with the worker's environment. Runs inside the activity only, so secrets
 * never enter workflow history. An unset variable fails the leg for good: retrying cannot help
 * until the worker is redeployed.
 */
export function resolveSecrets(text: string, env: Readonly<Record<string, string | undefined>>) {
  return text.replace(SECRET, (_, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw ApplicationFailure.create({
        type: FailureType.WorkerConfig,
        message: `The worker's environment has no ${name}, which the config uses as \${${name}}; set it and restart the worker.`,
        nonRetryable: true,
        details: [{ outcome: 'not_sent' } satisfies AttemptFailureDetails],
      });
    }
    return value;
  });
}

/** {@link resolveSecrets} over every value of a header map. */
export function resolveHeaderSecrets(
  headers: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name.toLowerCase(),
      resolveSecrets(value, env),
    ]),
  );
}
