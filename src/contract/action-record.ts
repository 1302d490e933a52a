import type { TargetHoldState } from './contracts';

/**
 * An operator action as the run keeps it in its state, and who asked, in words. Below the action
 * table: the delivery's state shape holds these records, and the table reads that shape.
 */
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
  /** The action's name (an `OperatorAction`). */
  action: string;
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
  /** The bulk action (batch job id) that sent it, as its signal's input said. */
  batch?: string;
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

/** Why a leg's target holds it, in words: `held: target shipping paused by alice: maintenance`. */
export function heldText(target: string, held: TargetHoldState): string {
  const what = held.reason === 'paused' ? 'paused' : 'breaker open';
  return `held: target ${target} ${what}${held.by ? ` by ${held.by}` : ''}${held.note ? `: ${held.note}` : ''}`;
}
