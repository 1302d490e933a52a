import type {
  DeliveryInput,
  DeliveryState,
  DeliveryStatus,
  HttpAnswer,
  LegStatus,
  PauseState,
} from '../contract/contracts';
import type { TargetNotice } from '../contract/target-control';
import type { ActionRecord } from '../contract/action-record';
import type { PhaseProgress } from './attempts';
import { ActionLog } from './action-log';
import { PhaseClock } from './clock';
import { compensationEnded, deliveryReached, retryAfterObeyed } from './metrics';
import { legView, type Leg, type LegEntry, type Phase } from './leg-entry';
import { LegHolds } from './leg-holds';
import { StatePublisher } from './publisher';
import { snapshotOf } from './view';

const nowIso = () => new Date().toISOString();

/**
 * Everything a delivery run knows. It is the one owner of the run's state: other modules read
 * it (getters, {@link snapshot}) and change it only through the named transitions below, each
 * of which reaches the status query at once and is published (UI details; memo and
 * `TandemStatus` when reads with no worker must show it) by its {@link StatePublisher}. Methods over a reducer: each transition also drives a live
 * clock or a command whose place in the task a replay checks, kept next to the change it goes with.
 */
export class DeliveryRecord {
  private current: DeliveryStatus = 'running';
  private reason?: string;
  private note?: string;
  private readonly startedAt = nowIso();
  private finishedAt?: string;
  private readonly entries: LegEntry[];
  /** Legs waiting for an operator, with why. */
  private readonly waiting = new Map<string, string>();
  /** Set once the delivery cannot complete: no leg starts a new attempt after it. */
  private stopped?: string;
  private cancelledByOperator = false;
  private readonly actions = new ActionLog();
  private readonly holds: LegHolds;
  private readonly publisher = new StatePublisher(() => this.snapshot());

  constructor(readonly input: DeliveryInput) {
    this.entries = input.legs.map((plan) => ({
      plan,
      state: { target: plan.target, status: 'pending', attempts: 0, outcomeUnknown: false },
    }));
    this.holds = new LegHolds(this.entries);
  }

  get legs(): readonly Leg[] {
    return this.entries;
  }

  leg(target: string): Leg {
    return this.entry(target);
  }

  get status(): DeliveryStatus {
    return this.current;
  }

  /** Why the delivery cannot complete, once it cannot: no leg starts a new attempt after it. */
  get stopReason(): string | undefined {
    return this.stopped;
  }

  /** Whether an operator's cancel is what stopped the delivery. */
  get cancelled(): boolean {
    return this.cancelledByOperator;
  }

  /** Legs waiting for an operator, with why. */
  get parked(): ReadonlyMap<string, string> {
    return this.waiting;
  }

  /** The status operators see: `paused` while a leg or its target is paused (see `LegHolds`). */
  shownStatus(): DeliveryStatus {
    return this.current === 'running' && this.holds.anyPaused() ? 'paused' : this.current;
  }

  snapshot(): DeliveryState {
    const { reason, note, startedAt, finishedAt } = this;
    const actions = this.actions.list;
    return snapshotOf({
      id: this.input.id,
      status: this.shownStatus(),
      ...(reason !== undefined && { reason }),
      ...(note !== undefined && { note }),
      startedAt,
      ...(finishedAt !== undefined && { finishedAt }),
      legs: this.entries.map(legView),
      ...(actions.length > 0 && { actions }),
    });
  }

  /** Makes the run findable and shows its first state. */
  announce(): void {
    this.publisher.announce(this.current, this.input.targets);
  }

  /**
   * A phase of `leg` starts (again): its clock (suspended while the leg is paused), and how its
   * attempts report their progress.
   */
  beginPhase(leg: Leg, phase: Phase, deadlineMs: number): [PhaseClock, PhaseProgress] {
    const entry = this.entry(leg.plan.target);
    const { state } = entry;
    const facts = phase === 'sending' ? state : (state.compensation ??= { attempts: 0 });
    if (phase === 'undoing') this.setLeg(entry, 'compensating');
    entry.clock = new PhaseClock(deadlineMs, LegHolds.of(state));
    facts.startedAt ??= nowIso();
    delete facts.finishedAt;
    // While undoing, the leg stays `compensating`: its undo's progress is in its facts.
    const show = (status: LegStatus) =>
      phase === 'sending' ? this.setLeg(entry, status) : this.publisher.changed();
    const progress: PhaseProgress = {
      facts,
      attemptStarted: () => {
        show('in_flight');
        return ++facts.attempts;
      },
      attemptFailed: (error, httpStatus) => {
        facts.lastError = error;
        if (httpStatus !== undefined) facts.lastHttpStatus = httpStatus;
        this.publisher.changed();
      },
      waiting: () => show('pending'),
      retryAfterObeyed: (delayMs) => retryAfterObeyed(leg.plan.target, delayMs),
    };
    return [entry.clock, progress];
  }

  /** `leg` was sent and the target accepted it with `answer`. */
  sent(leg: Leg, answer: HttpAnswer): void {
    const entry = this.endPhase(leg, 'sending');
    entry.response = answer;
    entry.state.outcomeUnknown = false;
    delete entry.state.lastError;
    entry.state.lastHttpStatus = answer.status;
    this.setLeg(entry, 'succeeded');
  }

  /** Sending `leg` ended without success: stopped, or failed for good (which stops the delivery). */
  sendFailed(leg: Leg, failure: { stopped: boolean; outcomeUnknown: boolean; error: string }) {
    const entry = this.endPhase(leg, 'sending');
    entry.state.outcomeUnknown = failure.outcomeUnknown;
    this.setLeg(entry, failure.stopped ? 'cancelled' : 'failed');
    if (!failure.stopped) this.stop(`${leg.plan.target} failed: ${failure.error}`);
  }

  /** `leg` may have acted and its undo is registered: the state shows an undo to come. */
  undoPending(leg: Leg): void {
    this.entry(leg.plan.target).state.compensation ??= { attempts: 0 };
    this.publisher.changed();
  }

  /** `leg` was undone: the target answered its compensation with `answer`. */
  undone(leg: Leg, answer: HttpAnswer): void {
    const entry = this.endPhase(leg, 'undoing');
    entry.state.compensation!.lastHttpStatus = answer.status;
    delete entry.state.compensation!.lastError;
    this.setLeg(entry, 'compensated');
    compensationEnded(leg.plan.target, 'compensated');
  }

  /** Undoing `leg` failed for good. */
  undoFailed(leg: Leg): void {
    this.setLeg(this.endPhase(leg, 'undoing'), 'compensation_failed');
    compensationEnded(leg.plan.target, 'compensation_failed');
  }

  /** Stops the delivery (the first reason wins): no leg starts a new attempt after it. */
  stop(reason: string): void {
    this.stopped ??= reason;
  }

  /**
   * An operator cancels: it stops the delivery. A cancel that comes after a leg failed for good
   * changes nothing: the run is already undoing (or parked) for that failure, which stays its
   * reason and decides its end.
   */
  cancel(): void {
    if (this.stopped !== undefined) return;
    this.cancelledByOperator = true;
    this.stop('cancelled by an operator');
  }

  /** `target` waits for an operator, for `why`. */
  park(target: string, why: string): void {
    this.waiting.set(target, why);
    this.publisher.changed();
  }

  /** The run waits for an operator, for the reasons of its parked legs. */
  needsAttention(): void {
    this.reason = [...this.waiting.values()].join('; ');
    this.setStatus('needs_attention');
    deliveryReached('needs_attention', Date.parse(this.startedAt));
  }

  /** An operator retries `legs`: they leave the parked list and the run runs again. */
  unpark(legs: readonly Leg[]): void {
    this.setStatus('running');
    for (const leg of legs) this.waiting.delete(leg.plan.target);
  }

  /** An operator closed the parked delivery by hand, saying what was done. */
  resolveByHand(note: string): void {
    this.note = note;
    this.publisher.changed();
  }

  /** Pauses `legs` (each with `paused`): their clocks stop; the run shows as `paused`. */
  pause(legs: readonly Leg[], paused: PauseState): void {
    this.holds.pause(legs, paused);
    this.showStatus();
  }

  /** A target's controller holds (or releases) the legs to its target; see `LegHolds`. */
  targetNotice(notice: TargetNotice): void {
    if (this.holds.targetNotice(notice)) this.showStatus();
  }

  /** Resumes `legs`: their deadlines move on by the pause. */
  resume(legs: readonly Leg[]): void {
    this.holds.resume(legs);
    this.showStatus();
  }

  /** Ends the backoff wait of `legs`: each attempts at once. */
  retryNow(legs: readonly Leg[]): void {
    for (const leg of legs) this.entry(leg.plan.target).clock?.retryNow();
    this.publisher.changed();
  }

  /** Gives the running phase of `leg` `ms` more before its deadline. */
  extendDeadline(leg: Leg, ms: number): void {
    this.entry(leg.plan.target).clock?.extend(ms);
    this.publisher.changed();
  }

  /** Keeps an operator's action (the newest `OPERATOR_ACTIONS_KEPT`) and returns it. */
  keepAction(entry: Omit<ActionRecord, 'at'>): ActionRecord {
    const kept = this.actions.keep(entry);
    this.publisher.changed();
    return kept;
  }

  /** Shows a refused signal in the run's details only: the state stays as it was. */
  showRefusal(why: string): void {
    this.publisher.showRefusal(why);
  }

  /** Ends the run in `status` (saying why, if given) and returns its final state, published. */
  finish(status: DeliveryStatus, reason?: string): DeliveryState {
    if (reason !== undefined) this.reason = reason;
    this.finishedAt = nowIso();
    this.holds.end();
    this.setStatus(status);
    this.publisher.publish();
    deliveryReached(status, Date.parse(this.startedAt));
    return this.snapshot();
  }

  private entry(target: string): LegEntry {
    return this.entries.find((leg) => leg.plan.target === target)!;
  }

  /** Ends the running phase of `leg`: its clock stops. */
  private endPhase(leg: Leg, phase: Phase): LegEntry {
    const entry = this.entry(leg.plan.target);
    const { state } = entry;
    (phase === 'sending' ? state : state.compensation!).finishedAt = nowIso();
    delete entry.clock;
    return entry;
  }

  private setLeg(entry: LegEntry, status: LegStatus): void {
    entry.state.status = status;
    // A leg going in flight or succeeding is the happy path's progress; any other status comes
    // from a failure, a stop or an operator, which reads with no worker must show.
    if (status === 'in_flight' || status === 'succeeded') this.publisher.progressed();
    else this.publisher.changed();
  }

  private setStatus(status: DeliveryStatus): void {
    this.current = status;
    this.showStatus();
  }

  /** Shows the status as it is now, in the UI and in searches. */
  private showStatus(): void {
    this.publisher.showStatus(this.shownStatus());
  }
}
