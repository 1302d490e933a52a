import {
  CancellationScope,
  condition,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  STATE_MEMO,
  type DeliveryInput,
  type DeliveryState,
  type DeliveryStatus,
  type HttpAnswer,
  type LegPlan,
  type LegState,
  type LegStatus,
} from '../contract/contracts';
import { type ActionRecord } from '../contract/operator-actions';
import { OPERATOR_ACTIONS_KEPT } from '../contract/limits';
import { TandemStatus, TandemTargets } from '../contract/search-attributes';
import type { PhaseClock } from './clock';
import { cut, detailsMarkdown, snapshotOf } from './view';

/** How many refused signals the run's details show, newest last. */
const REFUSALS_SHOWN = 5;

/** One leg: its plan, its state as reported, and the target's answer. */
export interface Leg {
  plan: LegPlan;
  state: LegState;
  /** The target's answer, kept for compensation templates. */
  response?: HttpAnswer;
  /** The clock of the phase running now (sending or undoing), if one is. */
  clock?: PhaseClock;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A leg's state with what its clock shows: deadline (or what is left of it), next attempt. */
function legView({ state, clock }: Leg): LegState {
  if (!clock) return state;
  const deadlineAt = iso(clock.deadlineAt());
  const retryAt = iso(clock.retryAt);
  return {
    ...state,
    ...(deadlineAt !== undefined ? { deadlineAt } : { deadlineLeftMs: clock.remainingMs() }),
    ...(retryAt !== undefined && { retryAt }),
  };
}

/**
 * Everything a delivery run knows, and where it shows it: every change reaches the status
 * query at once, and the memo (`STATE_MEMO`, for reads that need no worker) and the UI details
 * at the end of the workflow task, coalesced into one upsert, and none when nothing changed.
 */
export class DeliveryRecord {
  status: DeliveryStatus = 'running';
  reason?: string;
  note?: string;
  readonly startedAt = new Date().toISOString();
  finishedAt?: string;
  readonly legs: Leg[];
  /** Legs waiting for an operator, with why. */
  readonly parked = new Map<string, string>();
  /** Legs undone so far. */
  readonly undone = new Set<string>();
  /** Set once the delivery cannot complete: no leg starts a new attempt after it. */
  stopReason?: string;
  /** Whether an operator's cancel is what stopped the delivery. */
  cancelled = false;
  /** The newest operator actions, oldest first. */
  private readonly actions: ActionRecord[] = [];
  /** The newest refused signals, with why: shown in the UI's details only, never kept. */
  private readonly refusals: string[] = [];
  /** The status last written to `TandemStatus`. */
  private shown: DeliveryStatus = 'running';
  private published: string | undefined;
  private dirty = false;

  constructor(readonly input: DeliveryInput) {
    this.legs = input.legs.map((plan) => ({
      plan,
      state: { target: plan.target, status: 'pending', attempts: 0, outcomeUnknown: false },
    }));
    // The client writes the initial state at start: no need to write it again unchanged.
    const initial = workflowInfo().memo?.[STATE_MEMO];
    this.published = initial === undefined ? undefined : JSON.stringify(initial);
  }

  /** Makes the run findable and shows its first state. */
  announce(): void {
    // Runs started by Tandem's client carry their search attributes from the start; others
    // (the plain Temporal CLI, tests) get them here, so every run is findable.
    if (workflowInfo().typedSearchAttributes.get(TandemStatus) === undefined) {
      upsertSearchAttributes([
        { key: TandemStatus, value: this.status },
        { key: TandemTargets, value: this.input.targets },
      ]);
    }
    this.changed();
    // Conditions are checked once the task's other code has run (its microtasks drained), so
    // this publishes the changes of a workflow task together, at its end. Shielded: it keeps
    // publishing while a cancelled run undoes its legs.
    void CancellationScope.nonCancellable(async () => {
      for (;;) {
        await condition(() => this.dirty);
        this.publish();
      }
    });
  }

  leg(target: string): Leg {
    return this.legs.find((leg) => leg.plan.target === target)!;
  }

  /** Stops the delivery (the first reason wins): no leg starts a new attempt after it. */
  stop(reason: string): void {
    this.stopReason ??= reason;
  }

  /** Changes the delivery's status, and what operators see of it in the UI and in searches. */
  setStatus(status: DeliveryStatus): void {
    this.status = status;
    this.showStatus();
  }

  /** The status operators see: `paused` while running with a leg paused. */
  shownStatus(): DeliveryStatus {
    const paused = this.legs.some((leg) => leg.state.paused !== undefined);
    return this.status === 'running' && paused ? 'paused' : this.status;
  }

  /** Shows the status as it is now, in the UI and in searches (`TandemStatus`). */
  showStatus(): void {
    const status = this.shownStatus();
    // At once, not at the end of the task: this is a command, and its place among the
    // commands of the task is part of what a replay checks.
    if (status !== this.shown) upsertSearchAttributes([{ key: TandemStatus, value: status }]);
    this.shown = status;
    this.changed();
  }

  /** Keeps an operator's action (the newest `OPERATOR_ACTIONS_KEPT`) and returns it. */
  logAction(entry: Omit<ActionRecord, 'at'>): ActionRecord {
    const { note, claimedBy, ...rest } = entry;
    const kept: ActionRecord = {
      ...rest,
      at: new Date().toISOString(),
      ...(claimedBy !== undefined && { claimedBy: cut(claimedBy) }),
      ...(note !== undefined && { note: cut(note) }),
    };
    this.actions.push(kept);
    if (this.actions.length > OPERATOR_ACTIONS_KEPT) this.actions.shift();
    this.changed();
    return kept;
  }

  /**
   * Shows a refused signal in the run's current details (served to the UI by the worker, not
   * written to history): the state, memo and search attributes stay as they were.
   */
  showRefusal(why: string): void {
    this.refusals.push(cut(why));
    if (this.refusals.length > REFUSALS_SHOWN) this.refusals.shift();
    setCurrentDetails(detailsMarkdown(this.snapshot(), this.refusals));
  }

  setLeg(leg: Leg, status: LegStatus): void {
    leg.state.status = status;
    this.changed();
  }

  /** Ends the run in `status` and returns its final state, published with the run's end. */
  finish(status: DeliveryStatus): DeliveryState {
    this.finishedAt = new Date().toISOString();
    // A pause ends with the run: nothing is left to attempt.
    for (const leg of this.legs) delete leg.state.paused;
    this.setStatus(status);
    this.publish();
    return this.snapshot();
  }

  snapshot(): DeliveryState {
    const { reason, note, startedAt, finishedAt, actions } = this;
    return snapshotOf({
      id: this.input.id,
      status: this.shownStatus(),
      ...(reason !== undefined && { reason }),
      ...(note !== undefined && { note }),
      startedAt,
      ...(finishedAt !== undefined && { finishedAt }),
      legs: this.legs.map(legView),
      ...(actions.length > 0 && { actions }),
    });
  }

  /** Marks the state changed: it is published once the task's other changes are made. */
  changed(): void {
    this.dirty = true;
  }

  private publish(): void {
    this.dirty = false;
    const state = this.snapshot();
    setCurrentDetails(detailsMarkdown(state, this.refusals));
    const json = JSON.stringify(state);
    if (json === this.published) return;
    this.published = json;
    upsertMemo({ [STATE_MEMO]: state });
  }
}
