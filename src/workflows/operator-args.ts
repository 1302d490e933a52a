/**
 * The arguments of operator actions, parsed from what an update or a signal carries: a signal's
 * input is whatever JSON an operator typed in the Temporal UI, so nothing is taken on trust, and
 * the fields and their rules are the action table's (`actions.ts`, `ACTION_FIELD_RULES`).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { ACTION_FIELD_RULES, type FieldKind } from '../contract/action-spec';
import { inputFields, type ActionArgs, type UpdateAction } from '../contract/action-types';
import type { Issue } from '../contract/errors';
import { FailureType } from '../contract/failures';

/** How many problems a refusal names; the rest are counted. */
const PROBLEMS_NAMED = 5;

/**
 * A refusal of an operator action: the update's failure, or why a signal was ignored. `issues`
 * (the failure's details) name the fields of an invalid input, so a caller can point at them.
 */
export function refusal(
  message: string,
  type: string = FailureType.InvalidAction,
  issues: readonly Issue[] = [],
): never {
  throw ApplicationFailure.create({
    message,
    type,
    nonRetryable: true,
    ...(issues.length > 0 && { details: [issues] }),
  });
}

/** A name from the input, short enough to quote in a message. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text);
}

/** Who an action's input says asks (a claim), however malformed the rest of it is. */
export function claimOf(raw: unknown): string | undefined {
  const by = typeof raw === 'object' && raw !== null ? (raw as { by?: unknown }).by : undefined;
  return typeof by === 'string' && ACTION_FIELD_RULES.by(by) === undefined ? by.trim() : undefined;
}

/** What is wrong with one field's value, or nothing. */
function fieldProblem(
  kind: FieldKind,
  value: unknown,
  legs: readonly string[],
): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (kind === 'leg') {
    return legs.includes(value)
      ? undefined
      : `the delivery has no leg ${quoted(value)} (its legs are ${legs.join(', ')})`;
  }
  return ACTION_FIELD_RULES[kind](value);
}

/**
 * The arguments of `action`, checked against the delivery's legs; throws a refusal naming the
 * problems (the first few, and how many more). No input (a signal sent without one) counts as `{}`.
 */
export function parseArgs<A extends UpdateAction>(
  action: A,
  raw: unknown,
  legs: readonly string[],
): ActionArgs<A> {
  const specs = inputFields(action);
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    const listed = specs.map(([key, field]) => (field.required ? `${key}!` : key));
    const message = `${action} takes a JSON object of ${listed.join(', ')} (! = required).`;
    refusal(message, FailureType.InvalidAction, [{ path: '', detail: message }]);
  }
  const fields = (raw ?? {}) as Record<string, unknown>;
  const known = specs.map(([key]) => key);
  // Each problem as a field and why, and as the refusal's message words it when not `field: why`.
  const problems: (Issue & { text?: string })[] = [];
  for (const key in fields) {
    if (!Object.hasOwn(fields, key) || known.includes(key)) continue;
    const takes = `${action} takes ${known.join(', ')}`;
    problems.push({
      path: key.length > 40 ? `${key.slice(0, 39)}…` : key,
      detail: `is not a field (${takes})`,
      text: `unknown field ${quoted(key)} (${takes})`,
    });
    // An input of many unknown fields is refused without walking them all.
    if (problems.length > PROBLEMS_NAMED) break;
  }
  for (const [key, field] of specs) {
    const value = fields[key];
    const blank = typeof value === 'string' && value.trim() === '';
    if (field.missing !== undefined && (value === undefined || value === null || blank)) {
      problems.push({ path: key, detail: field.missing });
      continue;
    }
    if (value === undefined || value === null) {
      if (field.required) problems.push({ path: key, detail: 'is required' });
      continue;
    }
    const problem = fieldProblem(field.kind, value, legs);
    if (problem !== undefined) problems.push({ path: key, detail: problem });
  }
  if (problems.length > 0) {
    const more = problems.length - PROBLEMS_NAMED;
    const listed = problems.slice(0, PROBLEMS_NAMED);
    const named = listed.map(({ path, detail, text }) => text ?? `${path}: ${detail}`).join('; ');
    const issues = listed.map(({ path, detail }) => ({ path, detail }));
    refusal(
      `${action}: ${named}${more > 0 ? `; and more` : ''}.`,
      FailureType.InvalidAction,
      issues,
    );
  }
  return fields as unknown as ActionArgs<A>;
}
