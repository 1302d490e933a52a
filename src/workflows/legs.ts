import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HttpAnswer, LegPlan, PhaseState } from '../contract/contracts';
import { runAttempts, type AttemptsResult } from './attempts';
import { PhaseClock } from './clock';
import type { HistoryBudget } from './history-budget';
import type { DeliveryRecord, Leg } from './record';
import type { Saga, StepOutcome } from './saga';

/** Time an attempt's worker has, beyond the HTTP timeout, to report the outcome. */
const REPORT_GRACE_MS = 5_000;
/** A worker that stops heartbeating for this long is taken for dead. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

function activitiesFor(
  plan: LegPlan,
  phase: 'deliver' | 'compensate',
  n: number,
  timeoutMs: number,
  remainingMs: number,
) {
  return proxyActivities<Activities>({
    taskQueue: plan.taskQueue,
    startToCloseTimeout: timeoutMs + REPORT_GRACE_MS,
    // An attempt no worker has taken was never sent; it may wait for one until the deadline.
    scheduleToStartTimeout: remainingMs,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    // One activity per attempt: the workflow applies the target's policy itself, so it sees
    // each outcome and can stop a leg between attempts.
    retry: { maximumAttempts: 1 },
    summary: `${phase} → ${plan.target} (attempt ${n})`,
  });
}

/**
 * Sending and undoing legs. Attempts carry no payload (the activity reads it from the run's
 * start event), so they cost the history the same whatever the payload's size.
 */
export class LegRunner {
  constructor(
    private readonly record: DeliveryRecord,
    private readonly saga: Saga,
    private readonly budget: HistoryBudget,
  ) {}

  /** Sends one leg until it succeeds, fails for good, or `stopped()`. Never throws. */
  async send(leg: Leg, stopped = () => this.record.stopReason !== undefined): Promise<void> {
    const { plan, state } = leg;
    const result = await runAttempts({
      retry: plan.retry,
      clock: this.startClock(leg, plan.retry.deadlineMs),
      timeoutMs: plan.timeoutMs,
      phase: state,
      stopped,
      historyFull: this.budget.sending,
      onAttemptStart: () => this.record.setLeg(leg, 'in_flight'),
      onWaiting: () => this.record.setLeg(leg, 'pending'),
      attempt: (n, timeoutMs, remainingMs) =>
        activitiesFor(plan, 'deliver', n, timeoutMs, remainingMs).deliver({
          deliveryId: this.record.input.id,
          target: plan.target,
          attempt: n,
          timeoutMs,
        }),
    });
    delete leg.clock;
    this.settle(leg, result);
  }

  /** Registers the undo of a leg that may have acted, or parks it when it cannot be undone. */
  registerUndo(leg: Leg): void {
    if (!this.mayHaveActed(leg)) return;
    const { plan, state } = leg;
    const undo = plan.compensation;
    if (!undo) {
      this.record.parked.set(
        plan.target,
        `${plan.target} may have acted and declares no compensation`,
      );
      return;
    }
    if (!leg.response && undo.needsResponse) {
      this.record.parked.set(
        plan.target,
        `${plan.target}: outcome unknown (sent, no answer), and its compensation needs the answer`,
      );
      return;
    }
    this.saga.register(plan.target, () => this.undo(leg));
    state.compensation ??= { attempts: 0 };
  }

  /** A phase's clock: it starts suspended when the leg is paused. */
  private startClock(leg: Leg, deadlineMs: number): PhaseClock {
    leg.clock = new PhaseClock(deadlineMs, leg.state.paused !== undefined);
    return leg.clock;
  }

  /** Whether an operator's retry can make progress on this parked leg. */
  canRetry(leg: Leg): boolean {
    return leg.plan.compensation !== undefined;
  }

  private settle(leg: Leg, result: AttemptsResult<HttpAnswer>): void {
    const { state } = leg;
    if (result.ok) {
      leg.response = result.value;
      state.outcomeUnknown = false;
      delete state.lastError;
      state.lastHttpStatus = result.value.status;
      this.record.setLeg(leg, 'succeeded');
      return;
    }
    state.outcomeUnknown = result.outcomeUnknown;
    this.record.setLeg(leg, result.stopped ? 'cancelled' : 'failed');
    if (!result.stopped) this.record.stop(`${state.target} failed: ${result.error}`);
  }

  /** Whether this leg may have taken effect and so needs undoing. */
  private mayHaveActed(leg: Leg): boolean {
    return leg.state.status === 'succeeded' || leg.state.outcomeUnknown;
  }

  private async undo(leg: Leg): Promise<StepOutcome> {
    const { plan, state } = leg;
    const compensation: PhaseState = (state.compensation ??= { attempts: 0 });
    const undo = plan.compensation!;
    this.record.setLeg(leg, 'compensating');
    // Each undo attempt and each wait between them reaches the memo too, so a read with no
    // worker sees an undo's progress.
    const progressed = () => this.record.changed();
    const result = await runAttempts({
      retry: undo.retry,
      clock: this.startClock(leg, undo.retry.deadlineMs),
      timeoutMs: undo.timeoutMs,
      phase: compensation,
      stopped: () => false,
      onAttemptStart: progressed,
      onWaiting: progressed,
      historyFull: this.budget.undoing,
      attempt: (n, timeoutMs, remainingMs) =>
        activitiesFor(plan, 'compensate', n, timeoutMs, remainingMs).compensate({
          deliveryId: this.record.input.id,
          target: plan.target,
          attempt: n,
          timeoutMs,
          ...(leg.response && { response: leg.response }),
        }),
    });
    delete leg.clock;
    if (result.ok) {
      compensation.lastHttpStatus = result.value.status;
      delete compensation.lastError;
      this.record.setLeg(leg, 'compensated');
      return { ok: true };
    }
    this.record.setLeg(leg, 'compensation_failed');
    return { ok: false, error: result.error };
  }
}
