import { workflowInfo } from '@temporalio/workflow';
import {
  HISTORY_BUDGET_BYTES,
  HISTORY_BUDGET_EVENTS,
  TEMPORAL_BLOB_LIMIT_BYTES,
} from '../contract/limits';

/**
 * Undoing may use up to this many times the sending budget: once sending stops, the legs that
 * succeeded must still be undone, and the room left stays well under Temporal's hard limits.
 */
const UNDO_HEADROOM = 2;

/**
 * The most history one signal can add beside its input: its own event and the workflow task it
 * wakes (three events), each with an identity and metadata.
 */
const SIGNAL_EVENTS = 4;
const SIGNAL_OVERHEAD_BYTES = 1024;

/**
 * What signals have added to the run's history, so far as the run can tell: signals are sent by
 * others, and however many arrive they must not use up the budget of the run's own work.
 */
export class SignalLedger {
  count = 0;
  bytes = 0;

  /** Counts one signal and the size of its input (decoded, so about its size in history). */
  add(args: readonly unknown[]): void {
    this.count += 1;
    let size: number;
    try {
      size = JSON.stringify(args)?.length ?? 0;
    } catch {
      // Too deep to measure here: count it as the largest input Temporal takes.
      size = TEMPORAL_BLOB_LIMIT_BYTES;
    }
    this.bytes += size + SIGNAL_OVERHEAD_BYTES;
  }
}

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
 * size as of the current workflow task, less what signals added (`signals`): a flood of signals
 * stops nothing. Sending also stops when Temporal suggests continuing as new, unless signals
 * are what made the history that long: that is the one sign of the server's own limits a
 * workflow can see, and a cluster whose limits are lowered lowers it too. Tandem cannot continue
 * a run as new with legs in flight, so it stops attempts and undoes (or parks) instead, before
 * any limit terminates the run.
 */
export function historyBudget(
  lowerBytes: number | undefined,
  signals: SignalLedger,
): HistoryBudget {
  const bytes = Math.min(lowerBytes ?? HISTORY_BUDGET_BYTES, HISTORY_BUDGET_BYTES);
  const reasonAt = (
    size: number,
    length: number,
    headroom: number,
    suggested: boolean,
  ): string | undefined => {
    if (size >= bytes * headroom) {
      return `the run's history budget was reached (${kib(size)} of ${kib(bytes * headroom)})`;
    }
    if (length >= HISTORY_BUDGET_EVENTS * headroom) {
      return `the run's history budget was reached (${length} of ${HISTORY_BUDGET_EVENTS * headroom} events)`;
    }
    if (suggested) {
      return `the run's history budget was reached (Temporal suggests a new run at ${kib(size)}, ${length} events)`;
    }
    return undefined;
  };
  const check = (headroom: number, suggestion: boolean): string | undefined => {
    const { historySize, historyLength, continueAsNewSuggested } = workflowInfo();
    const suggested = suggestion && continueAsNewSuggested;
    const whole = reasonAt(historySize, historyLength, headroom, suggested);
    if (whole === undefined || signals.count === 0) return whole;
    return reasonAt(
      historySize - signals.bytes,
      historyLength - signals.count * SIGNAL_EVENTS,
      headroom,
      // Temporal's suggestion counts the signals too: past the run's own budget it is moot.
      false,
    );
  };
  return {
    sending: () => check(1, true),
    undoing: () => check(UNDO_HEADROOM, false),
  };
}
