import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  resolveUpdate,
  retryUpdate,
  statusQuery,
  type DeliveryInput,
  type DeliveryState,
  type DeliveryStatus,
  type HttpAnswer,
  type LegPlan,
  type LegState,
  type LegStatus,
  type PhaseState,
} from '../contracts';
import { FailureType } from '../failures';
import { TandemStatus, TandemTargets } from '../search-attributes';
import { runAttempts, type AttemptsResult } from './attempts';
import { Saga, type StepOutcome } from './saga';

/** Time an attempt's worker has, beyond the HTTP timeout, to report the outcome. */
const REPORT_GRACE_MS = 5_000;
/** A worker that stops heartbeating for this long is taken for dead. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

type OperatorAction = { kind: 'retry'; leg?: string } | { kind: 'resolve'; note: string };

interface Leg {
  plan: LegPlan;
  state: LegState;
  /** The target's answer, kept for compensation templates. */
  response?: HttpAnswer;
}

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
 * One delivery: sends the payload to every target at once, each leg retried by its own policy;
 * if a leg fails for good (or an operator cancels), the other legs start no new attempt, and
 * every leg that succeeded, or may have, is undone. An undo that fails for good parks the run
 * as `needs_attention` until an operator retries or resolves it.
 */
export async function delivery(input: DeliveryInput): Promise<DeliveryState> {
  return new DeliveryRun(input).run();
}

class DeliveryRun {
  private status: DeliveryStatus = 'running';
  private reason?: string;
  private note?: string;
  private readonly startedAt = new Date().toISOString();
  private finishedAt?: string;
  private readonly legs: Leg[];
  private readonly saga = new Saga();
  /** Legs waiting for an operator, with why. */
  private readonly parked = new Map<string, string>();
  /** Set once the delivery cannot complete: no leg starts a new attempt after it. */
  private stopReason?: string;
  private cancelled = false;
  private action?: OperatorAction;

  constructor(private readonly input: DeliveryInput) {
    this.legs = input.legs.map((plan) => ({
      plan,
      state: { target: plan.target, status: 'pending', attempts: 0, outcomeUnknown: false },
    }));
  }

  async run(): Promise<DeliveryState> {
    this.listen();
    // Runs started by Tandem's client carry their search attributes from the start; others
    // (the plain Temporal CLI, tests) get them here, so every run is findable.
    if (workflowInfo().typedSearchAttributes.get(TandemStatus) === undefined) {
      upsertSearchAttributes([
        { key: TandemStatus, value: this.status },
        { key: TandemTargets, value: this.input.targets },
      ]);
    }
    this.showDetails();
    // Compensation must run even when the delivery is being cancelled: the whole run is shielded,
    // and a cancel request is turned into "stop, undo, then end as cancelled".
    return CancellationScope.nonCancellable(async () => {
      await Promise.all(this.legs.map((leg) => this.send(leg)));
      if (this.stopReason === undefined) return this.finish('completed');

      this.legs.forEach((leg) => this.registerUndo(leg));
      await this.saga.compensate();
      await this.waitForOperator();
      if (this.status === 'resolved') return this.snapshot();
      return this.cancelled ? this.endCancelled() : this.endCompensated();
    });
  }

  private listen(): void {
    setHandler(statusQuery, () => this.snapshot());
    CancellationScope.current().cancelRequested.catch(() => {
      this.cancelled = true;
      this.stop('cancelled by an operator');
    });
    // Validators check the arguments only. Whether the run is parked is decided in the handler,
    // after it has waited for the run to leave `running`: a validator can run before the events
    // of the same workflow task are applied (after a cache eviction), and would see old state.
    setHandler(
      retryUpdate,
      async ({ leg }) => {
        await this.requireParked('retry');
        const chosen = leg !== undefined ? [leg] : [...this.parked.keys()];
        if (leg !== undefined && !this.parked.has(leg)) {
          throw ApplicationFailure.nonRetryable(
            `Leg "${leg}" is not waiting for an operator; these are: ${[...this.parked.keys()].join(', ')}.`,
            'NotParked',
          );
        }
        if (chosen.every((name) => !this.canRetry(this.leg(name)))) {
          throw ApplicationFailure.nonRetryable(
            `${chosen.join(', ')} declare${chosen.length === 1 ? 's' : ''} no compensation, so a retry cannot undo it: ` +
              'undo it by hand at the target, then resolve the delivery.',
            'NotRetryable',
          );
        }
        this.action = { kind: 'retry', ...(leg !== undefined && { leg }) };
      },
      {
        validator: ({ leg }) => {
          if (leg !== undefined && !this.legs.some((l) => l.plan.target === leg)) {
            throw new Error(`Delivery "${this.input.id}" has no leg "${leg}".`);
          }
        },
      },
    );
    setHandler(
      resolveUpdate,
      async ({ note }) => {
        await this.requireParked('resolve');
        this.action = { kind: 'resolve', note };
      },
      {
        validator: ({ note }) => {
          if (typeof note !== 'string' || note.trim() === '') {
            throw new Error('A resolve needs a note saying what was done by hand.');
          }
        },
      },
    );
  }

  /** Waits until the run is parked or closed; refuses unless parked with no action pending. */
  private async requireParked(verb: string): Promise<void> {
    await condition(() => this.status !== 'running');
    if (this.status !== 'needs_attention' || this.action !== undefined) {
      throw ApplicationFailure.nonRetryable(
        `Delivery "${this.input.id}" is ${this.status}, not needs_attention: there is nothing to ${verb}.`,
        'NotParked',
      );
    }
  }

  /** Changes the delivery's status, and what operators see of it in the UI and in searches. */
  private setStatus(status: DeliveryStatus): void {
    if (status !== this.status) upsertSearchAttributes([{ key: TandemStatus, value: status }]);
    this.status = status;
    this.showDetails();
  }

  private setLeg(leg: Leg, status: LegStatus): void {
    leg.state.status = status;
    this.showDetails();
  }

  /** The run's current details in the UI: the story of each leg, without decoding payloads. */
  private showDetails(): void {
    const legs = this.legs.map(({ state }) => {
      const http = state.lastHttpStatus === undefined ? '' : `, last HTTP ${state.lastHttpStatus}`;
      const undo = state.compensation
        ? `; undo: ${state.compensation.attempts} attempt(s)${state.compensation.lastError ? ` (${state.compensation.lastError})` : ''}`
        : '';
      return `- **${state.target}**: ${state.status}, ${state.attempts} attempt(s)${http}${undo}`;
    });
    setCurrentDetails(
      // Markdown: the blank line makes the legs a list.
      [`**${this.status}**${this.reason ? `: ${this.reason}` : ''}`, '', ...legs].join('\n'),
    );
  }

  private stop(reason: string): void {
    this.stopReason ??= reason;
  }

  private leg(target: string): Leg {
    return this.legs.find((leg) => leg.plan.target === target)!;
  }

  /** Sends one leg until it succeeds, fails for good, or `stopped()`. Never throws. */
  private async send(leg: Leg, stopped = () => this.stopReason !== undefined): Promise<void> {
    const { plan, state } = leg;
    const result = await runAttempts({
      retry: plan.retry,
      timeoutMs: plan.timeoutMs,
      phase: state,
      stopped,
      onAttemptStart: () => this.setLeg(leg, 'in_flight'),
      onWaiting: () => this.setLeg(leg, 'pending'),
      attempt: (n, timeoutMs, remainingMs) =>
        activitiesFor(plan, 'deliver', n, timeoutMs, remainingMs).deliver({
          deliveryId: this.input.id,
          target: plan.target,
          attempt: n,
          payload: this.input.payload,
          timeoutMs,
        }),
    });
    this.settle(leg, result);
  }

  private settle(leg: Leg, result: AttemptsResult<HttpAnswer>): void {
    const { state } = leg;
    if (result.ok) {
      leg.response = result.value;
      this.setLeg(leg, 'succeeded');
      state.outcomeUnknown = false;
      delete state.lastError;
      state.lastHttpStatus = result.value.status;
      return;
    }
    state.outcomeUnknown = result.outcomeUnknown;
    this.setLeg(leg, result.stopped ? 'cancelled' : 'failed');
    if (!result.stopped) this.stop(`${state.target} failed: ${result.error}`);
  }

  /** Whether this leg may have taken effect and so needs undoing. */
  private mayHaveActed(leg: Leg): boolean {
    return leg.state.status === 'succeeded' || leg.state.outcomeUnknown;
  }

  /** Whether an operator's retry can make progress on this parked leg. */
  private canRetry(leg: Leg): boolean {
    return leg.plan.compensation !== undefined;
  }

  /** Registers the undo of a leg that may have acted, or parks it when it cannot be undone. */
  private registerUndo(leg: Leg): void {
    if (!this.mayHaveActed(leg)) return;
    const { plan, state } = leg;
    const undo = plan.compensation;
    if (!undo) {
      this.parked.set(plan.target, `${plan.target} may have acted and declares no compensation`);
      return;
    }
    if (!leg.response && undo.needsResponse) {
      this.parked.set(
        plan.target,
        `${plan.target}: outcome unknown (sent, no answer), and its compensation needs the answer`,
      );
      return;
    }
    this.saga.register(plan.target, () => this.undo(leg));
    state.compensation ??= { attempts: 0 };
  }

  private async undo(leg: Leg): Promise<StepOutcome> {
    const { plan, state } = leg;
    const compensation: PhaseState = (state.compensation ??= { attempts: 0 });
    const undo = plan.compensation!;
    this.setLeg(leg, 'compensating');
    const result = await runAttempts({
      retry: undo.retry,
      timeoutMs: undo.timeoutMs,
      phase: compensation,
      stopped: () => false,
      attempt: (n, timeoutMs, remainingMs) =>
        activitiesFor(plan, 'compensate', n, timeoutMs, remainingMs).compensate({
          deliveryId: this.input.id,
          target: plan.target,
          attempt: n,
          payload: this.input.payload,
          timeoutMs,
          ...(leg.response && { response: leg.response }),
        }),
    });
    if (result.ok) {
      compensation.lastHttpStatus = result.value.status;
      delete compensation.lastError;
      this.setLeg(leg, 'compensated');
      return { ok: true };
    }
    this.setLeg(leg, 'compensation_failed');
    this.parked.set(plan.target, `${plan.target} compensation failed: ${result.error}`);
    return { ok: false, error: result.error };
  }

  /** Parks the run while legs need an operator; returns once none does, or it is resolved. */
  private async waitForOperator(): Promise<void> {
    while (this.parked.size > 0) {
      this.reason = [...this.parked.values()].join('; ');
      this.setStatus('needs_attention');
      // Durable: the run sleeps here, for days if need be, until an operator's update arrives.
      await condition(() => this.action !== undefined);
      const action = this.action!;
      this.action = undefined;
      if (action.kind === 'resolve') {
        this.note = action.note;
        this.finish('resolved');
        return;
      }
      this.setStatus('running');
      const chosen = (action.leg !== undefined ? [action.leg] : [...this.parked.keys()])
        .map((name) => this.leg(name))
        .filter((leg) => this.canRetry(leg));
      for (const leg of chosen) this.parked.delete(leg.plan.target);
      await Promise.all(
        chosen
          .filter((leg) => !this.saga.pending.includes(leg.plan.target))
          // A leg whose outcome is unknown is re-sent with the same Idempotency-Key to learn it:
          // a target that acted answers as before; one that had not acts now and is undone next.
          .map(async (leg) => {
            await this.send(leg, () => false);
            this.registerUndo(leg);
          }),
      );
      await this.saga.compensate(chosen.map((leg) => leg.plan.target));
    }
  }

  private finish(status: DeliveryStatus): DeliveryState {
    this.finishedAt = new Date().toISOString();
    this.setStatus(status);
    return this.snapshot();
  }

  private undoneSummary(): string {
    const undone = this.legs.filter((leg) => leg.state.status === 'compensated');
    return undone.length > 0
      ? `undone: ${undone.map((leg) => leg.plan.target).join(', ')}`
      : 'nothing needed undoing';
  }

  private endCancelled(): never {
    this.reason = `cancelled by an operator; ${this.undoneSummary()}`;
    this.finish('cancelled');
    throw new CancelledFailure(this.reason);
  }

  private endCompensated(): never {
    this.reason = `${this.stopReason}; ${this.undoneSummary()}`;
    const state = this.finish('compensated');
    throw ApplicationFailure.create({
      type: FailureType.DeliveryCompensated,
      message: this.reason,
      nonRetryable: true,
      details: [state],
    });
  }

  private snapshot(): DeliveryState {
    return {
      id: this.input.id,
      status: this.status,
      ...(this.reason !== undefined && { reason: this.reason }),
      ...(this.note !== undefined && { note: this.note }),
      startedAt: this.startedAt,
      ...(this.finishedAt !== undefined && { finishedAt: this.finishedAt }),
      legs: this.legs.map(({ state }) => ({
        ...state,
        ...(state.compensation && { compensation: { ...state.compensation } }),
      })),
    };
  }
}
