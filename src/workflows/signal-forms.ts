/**
 * The operator actions a delivery takes as it is now, each with the exact JSON input to paste
 * into the Temporal UI's "Send a Signal" form (or `temporal workflow signal --input`). A pure
 * function of the state and the action table, shown in the run's current details.
 */
import type { ActionForm } from '../contract/action-spec';
import { deliveryActionSpec, inputFields, type OperatorAction } from '../contract/action-types';
import type { DeliveryState, LegState } from '../contract/contracts';
import { OPERATOR_ACTIONS } from '../contract/operator-actions';

/** One action an operator can send now. */
export interface SignalForm {
  name: OperatorAction;
  input: Record<string, string>;
  /** What it does here, in a few words. */
  does: string;
}

/** The input to paste: the leg (for a leg's form), then each field with what to fill in. */
function inputOf(name: OperatorAction, leg?: LegState): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [key, field] of inputFields(name)) {
    if (field.kind === 'leg' && leg !== undefined) input[key] = leg.target;
    else if (field.kind !== 'leg' && field.placeholder !== undefined) {
      input[key] = field.placeholder;
    }
  }
  return input;
}

/**
 * The actions that apply to `state`: those for the delivery as a whole, then leg by leg, each
 * in the table's order.
 */
export function signalForms(state: DeliveryState): SignalForm[] {
  if (state.finishedAt !== undefined) return [];
  const withForms = OPERATOR_ACTIONS.flatMap((name) => {
    const form: ActionForm | undefined = deliveryActionSpec(name).when.form;
    return form === undefined ? [] : [{ name, form }];
  });
  const forms: SignalForm[] = [];
  for (const { name, form } of withForms) {
    if (form.scope === 'delivery' && form.applies(state)) {
      forms.push({ name, input: inputOf(name), does: form.does });
    }
  }
  for (const leg of state.legs) {
    for (const { name, form } of withForms) {
      if (form.scope === 'leg' && form.applies(leg)) {
        forms.push({ name, input: inputOf(name, leg), does: form.does(leg) });
      }
    }
  }
  return forms;
}
