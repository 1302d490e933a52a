/**
 * The operator actions as Temporal messages (each an update and a signal of the same name and
 * input, built from the action table) and as the run keeps them. Safe to import from workflow
 * code: types and Temporal message definitions only.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import { ACTION_NAMES, actionSpec, type OperatorAction, type OperatorArgs } from './action-types';

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

/** Every action that reaches the run as an update and a signal of its name. */
export const OPERATOR_ACTIONS = ACTION_NAMES.filter(
  (name): name is OperatorAction => actionSpec(name).via === 'update',
);

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
