import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors';
import { configSchema, TARGET_NAME, type TandemConfig } from './schema';

/** Whether a union's branch failed only because the value is not of its kind at all. */
const notOfItsKind = (branch: z.core.$ZodIssue[]) =>
  branch.every(
    (issue) =>
      issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value'),
  );

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const path = issue.path.map(String);
  // A value of one branch's kind (`breaker: { … }`) is told that branch's errors, by their paths.
  const fitting =
    issue.code === 'invalid_union' ? issue.errors.filter((b) => !notOfItsKind(b)) : [];
  if (fitting.length === 1) {
    return fitting[0]!.flatMap((inner) =>
      describeIssue({ ...inner, path: [...issue.path, ...inner.path] }),
    );
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${[...path, key].join('.')}: unknown field`);
  }
  return [`${path.join('.') || '(root)'}: ${issue.message}`];
}

function targetsOf(document: unknown): object {
  const targets = (document as { targets?: unknown } | null)?.targets;
  return targets && typeof targets === 'object' ? targets : {};
}

/**
 * Validates a parsed config document. Throws a {@link ConfigError} listing every problem with
 * its path (`targets.inventory.retry.backoffCoefficient: must be >= 1`).
 */
export function parseConfig(document: unknown, source = 'config'): TandemConfig {
  const result = configSchema.safeParse(document ?? {});
  // Checked apart from the schema so a bad name is reported along with the target's own errors.
  const badNames = Object.keys(targetsOf(document))
    .filter((name) => !TARGET_NAME.test(name))
    .map(
      (name) =>
        `targets.${name}: target names are lower-case letters, digits, "-" and "_", starting with a letter`,
    );
  if (result.success && badNames.length === 0) return result.data;
  throw new ConfigError(source, [
    ...badNames,
    ...(result.success ? [] : result.error.issues.flatMap(describeIssue)),
  ]);
}

/** Reads, parses and validates a YAML config file. */
export async function loadConfig(path: string): Promise<TandemConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(path, [`cannot read the file (${(cause as Error).message})`], { cause });
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      path,
      document.errors.map((e) => `YAML: ${e.message.split('\n')[0] ?? e.message}`),
    );
  }
  return parseConfig(document.toJS(), path);
}
