/**
 * The arguments of operator actions, parsed from what an update or a signal carries: a signal's
 * input is whatever JSON an operator typed in the Temporal UI, so nothing is taken on trust.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { OperatorAction, OperatorArgs } from '../operator-actions';
import { formatDuration, parseDuration } from '../duration';
import { FailureType } from '../failures';
import { MAX_DEADLINE_EXTENSION_MS } from '../limits';

/** The fields each action takes; `!` marks a required one. */
const FIELDS: { [A in OperatorAction]: readonly string[] } = {
  retry: ['leg', 'by', 'note'],
  resolve: ['note!', 'by'],
  retryNow: ['leg', 'by', 'note'],
  pause: ['leg', 'by', 'note'],
  resume: ['leg', 'by', 'note'],
  extendDeadline: ['leg!', 'duration!', 'by', 'note'],
};

/** A refusal of an operator action: the update's failure, or why a signal was ignored. */
export function refusal(message: string, type: string = FailureType.InvalidAction): never {
  throw ApplicationFailure.nonRetryable(message, type);
}

/** Who an action's input says asks, however malformed the rest of it is. */
export function actorOf(raw: unknown): { by: string; note?: string } {
  const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (value: unknown) =>
    typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  const note = text(fields.note);
  return { by: text(fields.by) ?? 'an unnamed operator', ...(note !== undefined && { note }) };
}

/**
 * The arguments of `action`, checked against the delivery's legs; throws a refusal naming every
 * problem. No input (a signal sent without one) counts as `{}`.
 */
export function parseArgs<A extends OperatorAction>(
  action: A,
  raw: unknown,
  legs: readonly string[],
): OperatorArgs[A] {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    refusal(`${action} takes a JSON object of ${FIELDS[action].join(', ')} (! = required).`);
  }
  const fields = (raw ?? {}) as Record<string, unknown>;
  const known = FIELDS[action].map((f) => f.replace('!', ''));
  const problems: string[] = [];
  for (const key of Object.keys(fields)) {
    if (!known.includes(key))
      problems.push(`unknown field "${key}" (${action} takes ${known.join(', ')})`);
  }
  for (const spec of FIELDS[action]) {
    const key = spec.replace('!', '');
    const value = fields[key];
    const missing = value === undefined || value === null;
    if (
      action === 'resolve' &&
      key === 'note' &&
      (typeof value !== 'string' || value.trim() === '')
    ) {
      problems.push('note: a resolve needs a note saying what was done by hand');
      continue;
    }
    if (missing) {
      if (spec.endsWith('!')) problems.push(`${key}: is required`);
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${key}: must be a non-empty string`);
      continue;
    }
    if (key === 'leg' && !legs.includes(value)) {
      problems.push(`leg: the delivery has no leg "${value}" (its legs are ${legs.join(', ')})`);
    }
    if (key === 'duration') {
      const ms = parseDuration(value);
      if (ms === undefined || ms <= 0 || ms > MAX_DEADLINE_EXTENSION_MS) {
        problems.push(
          `duration: must be a duration from 1ms to ${formatDuration(MAX_DEADLINE_EXTENSION_MS)}, such as "10m"`,
        );
      }
    }
  }
  if (problems.length > 0) refusal(`${action}: ${problems.join('; ')}.`);
  return fields as unknown as OperatorArgs[A];
}
