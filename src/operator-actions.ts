/**
 * The operator actions, defined once: each is an update and a signal of the same name and input,
 * which the workflow, the client, the CLI and the gateway all import. Safe to import from
 * workflow code: types and Temporal message definitions only.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';

/** How an operator's action reached the run. */
export type ActionVia = 'update' | 'signal';

/** One operator action, as the run's state keeps it (the newest `OPERATOR_ACTIONS_KEPT`). */
export interface ActionRecord {
  action: OperatorAction;
  at: string;
  /** Who asked: the CLI's OS user, the gateway's key name, or what a signal's input said. */
  by: string;
  note?: string;
  via: ActionVia;
  /** The legs it changed. */
  legs?: string[];
  /** What `extendDeadline` added. */
  duration?: string;
  /** Why a signal was ignored (it changed nothing); absent when the action took effect. */
  ignored?: string;
}

/**
 * Who acts, and why: every operator action takes these. They are kept in the run's history (the
 * update's or signal's input) and in its state.
 */
export interface ActorArgs {
  /** Who asks. Tandem's ways in fill it in (OS user, gateway key name); a signal says it. */
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
 * Signal", `temporal workflow signal` and any SDK. A signal cannot be refused: an invalid one is
 * recorded in the run's state (`actions`, with why it was ignored) and changes nothing else.
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
