/**
 * What the action table (`actions.ts`) implies: the actions' names and argument types, and the
 * fields of their update and signal input. Pure, like the table.
 */
import {
  BATCH_FIELD,
  BY_FIELD,
  type ActionField,
  type ActionSpec,
  type DeliveryActionSpec,
  type TargetActionSpec,
} from './action-spec';
import { ACTIONS } from './actions';

/** The name of an operator action (of its update and its signal, when it has them). */
export type ActionName = keyof typeof ACTIONS;

/** Every action's name, in the table's order. */
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

/** An action as the table declares it, seen through its general shape. */
export const actionSpec = (name: ActionName): ActionSpec => ACTIONS[name];

type SubjectOf<A extends ActionName> = (typeof ACTIONS)[A]['subject'];

/** The actions asked of one delivery. */
export type DeliveryActionName = {
  [A in ActionName]: SubjectOf<A> extends 'delivery' ? A : never;
}[ActionName];

/** The actions asked of one target across the fleet (of its controller workflow). */
export type TargetAction = {
  [A in ActionName]: SubjectOf<A> extends 'target' ? A : never;
}[ActionName];

/** Every action on a delivery, in the table's order. */
export const DELIVERY_ACTION_NAMES = ACTION_NAMES.filter(
  (name): name is DeliveryActionName => ACTIONS[name].subject === 'delivery',
);

/** Every action on a target, in the table's order. */
export const TARGET_ACTIONS = ACTION_NAMES.filter(
  (name): name is TargetAction => ACTIONS[name].subject === 'target',
);

/** An action on a delivery as the table declares it. */
export const deliveryActionSpec = (name: DeliveryActionName): DeliveryActionSpec => ACTIONS[name];

/** An action on a target as the table declares it. */
export const targetActionSpec = (name: TargetAction): TargetActionSpec => ACTIONS[name];

type FieldsOf<A extends ActionName> = (typeof ACTIONS)[A]['fields'];
type RequiredOf<F> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F];

/** Who acts: every update takes it, kept as a claim (see `ActionRecord.claimedBy`). */
export interface ActorArgs {
  /** Who says they ask: kept as a claim; who asked is the caller Temporal records. */
  by?: string;
}

/** An action's arguments, as its fields declare them (all text). */
export type ActionArgs<A extends ActionName> = {
  [K in RequiredOf<FieldsOf<A>>]: string;
} & {
  [K in Exclude<keyof FieldsOf<A>, RequiredOf<FieldsOf<A>>>]?: string;
} & ((typeof ACTIONS)[A]['via'] extends 'update' ? ActorArgs : unknown);

/** The actions that reach a delivery's run as an update and a signal of their name. */
export type OperatorAction = {
  [A in DeliveryActionName]: (typeof ACTIONS)[A]['via'] extends 'update' ? A : never;
}[DeliveryActionName];

/** Each operator action's arguments, by the action's name (the update's and the signal's). */
export type OperatorArgs = { [A in OperatorAction]: ActionArgs<A> };

/** Each target action's arguments, by the action's name (the update's and the signal's). */
export type TargetArgs = { [A in TargetAction]: ActionArgs<A> };

/** An action that reaches a workflow as an update and a signal: on a delivery or a target. */
export type UpdateAction = OperatorAction | TargetAction;

/**
 * The fields of an action's update and signal input, `by` (and `batch`, for an action sent in
 * bulk as a signal) included, in the order they are shown: the leg, the other required ones,
 * `by`, then the rest.
 */
export function inputFields(name: UpdateAction): [string, ActionField][] {
  const rank = ([key, field]: [string, ActionField]) =>
    key === 'leg' ? 0 : field.required ? 1 : field === BY_FIELD ? 2 : 3;
  const spec = actionSpec(name);
  const fields: [string, ActionField][] = [
    ...Object.entries(spec.fields),
    ['by', BY_FIELD],
    ...(spec.subject === 'delivery' && spec.bulk?.via === 'signal'
      ? [['batch', BATCH_FIELD] as [string, ActionField]]
      : []),
  ];
  return fields.sort((a, b) => rank(a) - rank(b));
}

/**
 * An action's update and signal input, in short: `{"leg"?, "by", "note"?}` (`?` marks an
 * optional field; a duration shows its format).
 */
export function inputSynopsis(name: UpdateAction): string {
  const input = inputFields(name).map(([key, field]) => {
    const optional = field.required || field === BY_FIELD ? '' : '?';
    const shown = field.kind === 'duration' ? `: "${field.placeholder}"` : '';
    return `"${key}"${optional}${shown}`;
  });
  return `{${input.join(', ')}}`;
}

/** The action's handler description in the Temporal UI: what it does, then its input. */
export function handlerDescription(name: UpdateAction): string {
  return `${actionSpec(name).help}: ${inputSynopsis(name)}`;
}
