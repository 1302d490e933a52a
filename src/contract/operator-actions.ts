/**
 * The operator actions as Temporal messages (each an update and a signal of the same name and
 * input, built from the action table). Safe to import from workflow code: Temporal message
 * definitions only.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionRecord } from './action-record';
import {
  DELIVERY_ACTION_NAMES,
  actionSpec,
  type OperatorAction,
  type OperatorArgs,
} from './action-types';

/** Every action that reaches a delivery's run as an update and a signal of its name. */
export const OPERATOR_ACTIONS = DELIVERY_ACTION_NAMES.filter(
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
