import {
  CancellationScope,
  condition,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { STATE_MEMO, type DeliveryState, type DeliveryStatus } from '../contract/contracts';
import { holdsOf } from '../contract/holds';
import { TandemHolds, TandemStatus, TandemTargets } from '../contract/search-attributes';
import { runTrace } from './run-trace';
import { cut, detailsMarkdown } from './view';

/** How many refused signals the run's details show, newest last. */
const REFUSALS_SHOWN = 5;

/**
 * Where a delivery's state shows beyond the status query: the UI details at the end of every
 * workflow task that changed it (they cost no history); the memo (`STATE_MEMO`, for reads that
 * need no worker) at the end, and at the end of every task that changed it once a failure or an
 * operator made the run one to watch; the held legs in searches (`TandemHolds`) when they
 * change, which only a failure or a pause (of a leg or of its target) does; the status in searches (`TandemStatus`) at
 * once, when it changes. A run that goes well writes its memo and search attributes at start
 * (the client) and at the end only: its progress (legs in flight, succeeded) would cost history
 * on every delivery and serve no operator. Only the delivery's record drives it, from its transitions.
 */
export class StatePublisher {
  /** The newest refused signals, with why: shown in the UI's details only, never kept. */
  private readonly refusals: string[] = [];
  /** The status last written to `TandemStatus`. */
  private shown: DeliveryStatus = 'running';
  /** The holds last written to `TandemHolds`: none at start. */
  private holds: readonly string[] = [];
  private published: string | undefined;
  private dirty = false;
  /** Set by the first change a read with no worker must show: every change is kept from then. */
  private watched = false;
  /**
   * The trace the run was started in, shown in its details so the UI leads to it. Read from the
   * memo the run started with (its start event), which replays the same.
   */
  private readonly traceId: string | undefined;

  constructor(private readonly state: () => DeliveryState) {
    const memo = workflowInfo().memo;
    // The client writes the initial state at start: no need to write it again unchanged.
    const initial = memo?.[STATE_MEMO];
    this.published = initial === undefined ? undefined : JSON.stringify(initial);
    this.traceId = runTrace()?.traceId;
  }

  /** Makes the run findable and starts publishing its changes. */
  announce(status: DeliveryStatus, targets: readonly string[]): void {
    // Runs started by Tandem's client carry their search attributes from the start; others
    // (the plain Temporal CLI, tests) get them here, so every run is findable.
    if (workflowInfo().typedSearchAttributes.get(TandemStatus) === undefined) {
      upsertSearchAttributes([
        { key: TandemStatus, value: status },
        { key: TandemTargets, value: [...targets] },
      ]);
    }
    this.progressed();
    // Conditions are checked once the task's other code has run (its microtasks drained), so
    // this publishes the changes of a workflow task together, at its end. Shielded: it keeps
    // publishing while a cancelled run undoes its legs.
    void CancellationScope.nonCancellable(async () => {
      for (;;) {
        await condition(() => this.dirty);
        this.show();
      }
    });
  }

  /** Shows `status` in searches (`TandemStatus`) when it differs from what they show. */
  showStatus(status: DeliveryStatus): void {
    // At once, not at the end of the task: this is a command, and its place among the
    // commands of the task is part of what a replay checks.
    if (status !== this.shown) upsertSearchAttributes([{ key: TandemStatus, value: status }]);
    this.shown = status;
    this.changed();
  }

  /**
   * Shows a refused signal in the run's current details (served to the UI by the worker, not
   * written to history): the state, memo and search attributes stay as they were.
   */
  showRefusal(why: string): void {
    this.refusals.push(cut(why));
    if (this.refusals.length > REFUSALS_SHOWN) this.refusals.shift();
    setCurrentDetails(detailsMarkdown(this.state(), this.refusals, this.traceId));
  }

  /**
   * Marks the state changed by a failure or an operator, which reads with no worker must show:
   * it is published, memo included, once the task's other changes are made, and so is every
   * later change.
   */
  changed(): void {
    this.watched = true;
    this.dirty = true;
  }

  /**
   * Marks the state changed by the happy path's progress (a leg in flight, a leg succeeded): the
   * query and the details show it; the memo does only once the run is watched, or at its end.
   */
  progressed(): void {
    this.dirty = true;
  }

  /** Publishes the state now, memo included (the run's end publishes with it). */
  publish(): void {
    this.watched = true;
    this.show();
  }

  private show(): void {
    this.dirty = false;
    const state = this.state();
    setCurrentDetails(detailsMarkdown(state, this.refusals, this.traceId));
    const holds = holdsOf(state);
    if (holds.join() !== this.holds.join()) {
      upsertSearchAttributes([{ key: TandemHolds, value: holds }]);
      this.holds = holds;
    }
    if (!this.watched) return;
    const json = JSON.stringify(state);
    if (json === this.published) return;
    this.published = json;
    upsertMemo({ [STATE_MEMO]: state });
  }
}
