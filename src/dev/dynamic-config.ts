import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DEPLOY_FILES, deployDir } from '../host/deploy-files';
import { DynamicConfigError } from '../host/errors';

/**
 * The unconstrained keys of the dynamic config that compose and `tandem cluster` give Temporal,
 * as the dev server's `--dynamic-config-value KEY=JSON` flags: `tandem dev`, the tests and the
 * bench run the settings a deployment runs, read from the one file that declares them.
 */
export function devServerDynamicConfigFlags(
  file = path.join(deployDir(), DEPLOY_FILES.dynamicConfig),
): string[] {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DynamicConfigError(file, (error as Error).message, { cause: error });
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new DynamicConfigError(file, 'it must map each dynamic config key to a list of values');
  }
  return Object.entries(document).flatMap(([key, entries]: [string, unknown]) => {
    if (!Array.isArray(entries)) {
      throw new DynamicConfigError(file, `${key} must be a list of { value } entries`);
    }
    // A value under constraints (one namespace, one task queue) has no dev server flag.
    const plain = (entries as unknown[]).find(
      (entry): entry is { value: unknown } =>
        typeof entry === 'object' &&
        entry !== null &&
        'value' in entry &&
        !('constraints' in entry),
    );
    return plain === undefined
      ? []
      : ['--dynamic-config-value', `${key}=${JSON.stringify(plain.value)}`];
  });
}
