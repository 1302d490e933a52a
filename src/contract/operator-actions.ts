/**
 * The operator actions, defined once: each is an update and a signal of the same name and input,
 * which the workflow, the client, the CLI and the gateway all import. Safe to import from
 * workflow code: types and Temporal message definitions only.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import { formatDuration, parseDuration } from './duration';
import { MAX_ACTOR_CHARS, MAX_DEADLINE_EXTENSION_MS, MAX_NOTE_CHARS } from './limits';

/** How an operator's action reached the run. */
export type ActionVia = 'update' | 'signal';

/**
 * Where Temporal recorded the request that carried an action, so readers can find who sent it:
 * the update's id, or the signal's place among the operator signals the run received (1 is the
 * first).
 */
export interface RequestRef {
  updateId?: string;
  signal?: number;
}

/** One operator action, as the run's state keeps it (the newest `OPERATOR_ACTIONS_KEPT`). */
export interface ActionRecord extends RequestRef {
  action: OperatorAction;
  at: string;
  /**
   * Who asked, as Temporal recorded the caller: the identity of the client that sent the update
   * or signal (the gateway's `key:<name>`, the CLI's OS user, the Web UI's or a stock CLI's
   * identity). The run cannot see it: readers fill it in from the run's history, and it is
   * `unknown` until they do.
   */
  by: string;
  /** What the input's `by` said: a claim anyone can write, shown as such. */
  claimedBy?: string;
  note?: string;
  via: ActionVia;
  /** The legs it changed. */
  legs?: string[];
  /** What `extendDeadline` added. */
  duration?: string;
}

/** What `by` is before a reader finds the caller in the run's history. */
export const UNKNOWN_CALLER = 'unknown';

/**
 * Who asked, in words: the caller when known (with what the input claimed, when that differs),
 * else the claim, marked as one (the run itself cannot see the caller).
 */
export function callerText({ by, claimedBy }: { by: string; claimedBy?: string }): string {
  if (by === UNKNOWN_CALLER) {
    return claimedBy === undefined ? 'an operator' : `"${claimedBy}" (as written)`;
  }
  return claimedBy === undefined || claimedBy === by ? by : `${by} (wrote "${claimedBy}")`;
}

/** `by <who>`: see {@link callerText}. */
export function askedBy(entry: { by: string; claimedBy?: string }): string {
  return `by ${callerText(entry)}`;
}

/**
 * Who acts, and why: every operator action takes these. They are kept in the run's history (the
 * update's or signal's input) and in its state.
 */
export interface ActorArgs {
  /** Who says they ask: kept as a claim (`claimedBy`); who asked is the caller Temporal records. */
  by?: string;
  /** Why, in a line. */
  note?: string;
}

/** Arguments of {@link retryUpdate}. */
export interface RetryArgs extends ActorArgs {
  /** Retry only this leg; all legs that need attention when absent. */
  leg?: string;
}

/** Arguments of {@link resolveUpdate}: the note is required. */
export interface ResolveArgs extends ActorArgs {
  note: string;
}

/** Arguments of `retryNow`, `pause` and `resume`: one leg, or every leg it applies to. */
export interface LegArgs extends ActorArgs {
  leg?: string;
}

/** Arguments of `extendDeadline`: one leg, and how much more time, as a duration (`10m`). */
export interface ExtendDeadlineArgs extends ActorArgs {
  leg: string;
  duration: string;
}

/** Each operator action's arguments, by the action's name (the update's and the signal's). */
export interface OperatorArgs {
  retry: RetryArgs;
  resolve: ResolveArgs;
  retryNow: LegArgs;
  pause: LegArgs;
  resume: LegArgs;
  extendDeadline: ExtendDeadlineArgs;
}

/** The name of an operator action: of its update and of its signal alike. */
export type OperatorAction = keyof OperatorArgs;

/** The actions that steer a delivery that has not ended (beside retry/resolve of a parked one). */
export type SteeringAction = Exclude<OperatorAction, 'retry' | 'resolve'>;

/** Every operator action. */
export const OPERATOR_ACTIONS = [
  'retry',
  'resolve',
  'retryNow',
  'pause',
  'resume',
  'extendDeadline',
] as const satisfies readonly OperatorAction[];

type Updates = { [A in OperatorAction]: UpdateDefinition<ActionRecord, [OperatorArgs[A]], A> };
type Signals = { [A in OperatorAction]: SignalDefinition<[OperatorArgs[A]], A> };

/**
 * Each operator action as an update: Tandem's client, CLI and gateway send these; the run checks
 * it and answers with what it did, or refuses with why.
 */
export const operatorUpdates = Object.fromEntries(
  OPERATOR_ACTIONS.map((name) => [name, defineUpdate(name)]),
) as Updates;

/**
 * Each operator action as a signal, under the same name and input: for the Temporal UI's "Send a
 * Signal", `temporal workflow signal` and any SDK. A signal cannot be refused: an invalid one
 * changes nothing (state, memo, search attributes) and is shown, with why, in the run's details.
 */
export const operatorSignals = Object.fromEntries(
  OPERATOR_ACTIONS.map((name) => [name, defineSignal(name)]),
) as Signals;

/**
 * Asks a parked delivery to try again: failed compensations run again, and a leg whose outcome
 * is unknown is re-sent with its Idempotency-Key to learn it. Refused unless `needs_attention`.
 */
export const retryUpdate = operatorUpdates.retry;

/** Closes a parked delivery by hand, with a note. Refused unless `needs_attention`. */
export const resolveUpdate = operatorUpdates.resolve;

/** The rule of a text field: not blank, and at most `max` characters once trimmed. */
function textOfAtMost(max: number): (value: string) => string | undefined {
  return (value) => {
    const text = value.trim();
    if (text === '') return 'must not be empty';
    return text.length > max ? `must be at most ${max} characters` : undefined;
  };
}

/**
 * The rules of an action's text fields, as the run checks an update's or a signal's input; the
 * gateway's schemas state the same limits (`MAX_NOTE_CHARS`, the 7-day extension) in the
 * OpenAPI document. Each says what is wrong with a value, or nothing when it is fine.
 */
export const ACTION_FIELD_RULES = {
  note: textOfAtMost(MAX_NOTE_CHARS),
  by: textOfAtMost(MAX_ACTOR_CHARS),
  duration: (value: string): string | undefined => {
    const ms = value.length > 32 ? undefined : parseDuration(value);
    return ms === undefined || ms <= 0 || ms > MAX_DEADLINE_EXTENSION_MS
      ? `must be a duration from 1ms to ${formatDuration(MAX_DEADLINE_EXTENSION_MS)}, such as "10m"`
      : undefined;
  },
} as const;
