/**
 * The operator actions a delivery takes as it is now, each with the exact JSON input to paste
 * into the Temporal UI's "Send a Signal" form (or `temporal workflow signal --input`). A pure
 * function of the state, shown in the run's current details.
 */
import type { DeliveryState } from '../contract/contracts';
import type { OperatorAction } from '../contract/operator-actions';
import { hasWorkLeft } from './work-left';

/** One action an operator can send now. */
export interface SignalForm {
  name: OperatorAction;
  input: Record<string, string>;
  /** What it does here, in a few words. */
  does: string;
}

const BY = 'your name';

/** The actions that apply to `state`, in the order an operator would reach for them. */
export function signalForms(state: DeliveryState): SignalForm[] {
  if (state.finishedAt !== undefined) return [];
  const forms: SignalForm[] = [];
  if (state.status === 'needs_attention') {
    forms.push(
      { name: 'retry', input: { by: BY, note: 'why' }, does: 'try the parked legs again' },
      {
        name: 'resolve',
        input: { note: 'what was done by hand', by: BY },
        does: 'close it after fixing it by hand',
      },
    );
  }
  for (const leg of state.legs) {
    const target = { leg: leg.target, by: BY };
    if (leg.retryAt !== undefined && leg.paused === undefined) {
      forms.push({
        name: 'retryNow',
        input: { ...target, note: 'why' },
        does: `attempt ${leg.target} now, not at ${leg.retryAt}`,
      });
    }
    if (leg.paused !== undefined) {
      forms.push({
        name: 'resume',
        input: { ...target, note: 'why' },
        does: `let ${leg.target} attempt again`,
      });
    } else if (hasWorkLeft(leg)) {
      forms.push({
        name: 'pause',
        input: { ...target, note: 'why' },
        does: `start no new attempt of ${leg.target}`,
      });
    }
    if (leg.deadlineAt !== undefined || leg.deadlineLeftMs !== undefined) {
      forms.push({
        name: 'extendDeadline',
        input: { ...target, duration: '10m', note: 'why' },
        does: `give ${leg.target} more time`,
      });
    }
  }
  return forms;
}
