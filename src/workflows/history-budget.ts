import { patched, workflowInfo } from '@temporalio/workflow';
import { HISTORY_BUDGET_BYTES, HISTORY_BUDGET_EVENTS } from '../limits';

/** Runs recorded before the budget existed replay as they ran: they never checked it. */
const HISTORY_BUDGET_PATCH = 'history-budget';

/**
 * Undoing may use up to this many times the sending budget: once sending stops, the legs that
 * succeeded must still be undone, and the room left stays well under Temporal's hard limits.
 */
const UNDO_HEADROOM = 2;

/** Whether a run's history has room for another attempt; each says why not, or `undefined`. */
export interface HistoryBudget {
  /** For sending: the budget, the event budget, or Temporal's suggestion to continue as new. */
  readonly sending: () => string | undefined;
  /** For undoing: twice the budget (Temporal's suggestion does not stop an undo). */
  readonly undoing: () => string | undefined;
}

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

/**
 * The history budget of one run: `HISTORY_BUDGET_BYTES` (or the input's lower
 * `historyBudgetBytes`) and `HISTORY_BUDGET_EVENTS`, read from `workflowInfo()`, which holds the
 * size as of the current workflow task. Sending also stops when Temporal suggests continuing as
 * new: that is the one sign of the server's own limits a workflow can see, and a cluster whose
 * limits are lowered lowers it too. Tandem cannot continue a run as new with legs in flight,
 * so it stops attempts and undoes (or parks) instead, before any limit terminates the run.
 */
export function historyBudget(lowerBytes?: number): HistoryBudget {
  const bytes = Math.min(lowerBytes ?? HISTORY_BUDGET_BYTES, HISTORY_BUDGET_BYTES);
  const check = (headroom: number, suggestion: boolean): string | undefined => {
    const { historySize, historyLength, continueAsNewSuggested } = workflowInfo();
    let reason: string | undefined;
    if (historySize >= bytes * headroom) {
      reason = `the run's history budget was reached (${kib(historySize)} of ${kib(bytes * headroom)})`;
    } else if (historyLength >= HISTORY_BUDGET_EVENTS * headroom) {
      reason = `the run's history budget was reached (${historyLength} of ${HISTORY_BUDGET_EVENTS * headroom} events)`;
    } else if (suggestion && continueAsNewSuggested) {
      reason = `the run's history budget was reached (Temporal suggests a new run at ${kib(historySize)}, ${historyLength} events)`;
    }
    return reason !== undefined && patched(HISTORY_BUDGET_PATCH) ? reason : undefined;
  };
  return {
    sending: () => check(1, true),
    undoing: () => check(UNDO_HEADROOM, false),
  };
}
