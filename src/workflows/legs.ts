import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LegPlan } from '../contract/contracts';
import { SpanAttr, SpanName } from '../contract/tracing';
import { runAttempts } from './attempts';
import type { HistoryBudget } from './history-budget';
import { inPhaseSpan } from './phase-span';
import type { Leg } from './leg-entry';
import type { DeliveryRecord } from './record';
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
    // An attempt handed straight to the worker that scheduled it would skip its queue's rate
    // limit and a pause's rate of 0. Eager dispatch serves only the workflow's own queue, which a
    // target with a queue of its own (the only kind that takes a limit) never uses: said here so
    // no later change of queues lets a limited attempt through. A target without a bulkhead keeps
    // eager dispatch, which is what it is for.
    allowEagerDispatch: plan.taskQueue === workflowInfo().taskQueue,
    summary: `${phase} → ${plan.target} (attempt ${n})`,
  });
}

/** Why the leg's target's open breaker holds it, while it does (naming the breaker). */
function breakerHold(leg: Leg): string | undefined {
  const { held } = leg.state;
  if (held?.reason !== 'breaker_open') return undefined;
  return `breaker open: ${leg.plan.target}'s circuit breaker holds its attempts${held.note ? ` (${held.note})` : ''}`;
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
    const { plan } = leg;
    const [clock, progress] = this.record.beginPhase(leg, 'sending', plan.retry.deadlineMs);
    const result = await inPhaseSpan(SpanName.leg, this.spanAttributes(plan), () =>
      runAttempts({
        retry: plan.retry,
        clock,
        timeoutMs: plan.timeoutMs,
        progress,
        stopped,
        held: () => breakerHold(leg),
        historyFull: this.budget.sending,
        attempt: (n, timeoutMs, remainingMs) =>
          activitiesFor(plan, 'deliver', n, timeoutMs, remainingMs).deliver({
            deliveryId: this.record.input.id,
            target: plan.target,
            attempt: n,
            timeoutMs,
          }),
      }),
    );
    if (result.ok) this.record.sent(leg, result.value);
    else this.record.sendFailed(leg, result);
  }

  /** Registers the undo of a leg that may have acted, or parks it when it cannot be undone. */
  registerUndo(leg: Leg): void {
    if (!this.mayHaveActed(leg)) return;
    const { plan } = leg;
    const undo = plan.compensation;
    if (!undo) {
      this.record.park(plan.target, `${plan.target} may have acted and declares no compensation`);
      return;
    }
    if (!leg.response && undo.needsResponse) {
      this.record.park(
        plan.target,
        `${plan.target}: outcome unknown (sent, no answer), and its compensation needs the answer`,
      );
      return;
    }
    this.saga.register(plan.target, () => this.undo(leg));
    this.record.undoPending(leg);
  }

  /** Whether an operator's retry can make progress on this parked leg. */
  canRetry(leg: Leg): boolean {
    return leg.plan.compensation !== undefined;
  }

  private spanAttributes(plan: LegPlan) {
    return { [SpanAttr.deliveryId]: this.record.input.id, [SpanAttr.target]: plan.target };
  }

  /** Whether this leg may have taken effect and so needs undoing. */
  private mayHaveActed(leg: Leg): boolean {
    return leg.state.status === 'succeeded' || leg.state.outcomeUnknown;
  }

  private async undo(leg: Leg): Promise<StepOutcome> {
    const { plan } = leg;
    const undo = plan.compensation!;
    // Each undo attempt and each wait between them reaches the memo too, so a read with no
    // worker sees an undo's progress.
    const [clock, progress] = this.record.beginPhase(leg, 'undoing', undo.retry.deadlineMs);
    const result = await inPhaseSpan(SpanName.compensation, this.spanAttributes(plan), () =>
      runAttempts({
        retry: undo.retry,
        clock,
        timeoutMs: undo.timeoutMs,
        progress,
        stopped: () => false,
        historyFull: this.budget.undoing,
        attempt: (n, timeoutMs, remainingMs) =>
          activitiesFor(plan, 'compensate', n, timeoutMs, remainingMs).compensate({
            deliveryId: this.record.input.id,
            target: plan.target,
            attempt: n,
            timeoutMs,
            ...(leg.response && { response: leg.response }),
          }),
      }),
    );
    if (result.ok) {
      this.record.undone(leg, result.value);
      return { ok: true };
    }
    this.record.undoFailed(leg);
    return { ok: false, error: result.error };
  }
}
