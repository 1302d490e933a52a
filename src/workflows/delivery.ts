import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  proxySinks,
  setHandler,
} from '@temporalio/workflow';
import {
  statusQuery,
  type DeliveryInput,
  type DeliverySinks,
  type DeliveryState,
} from '../contract/contracts';
import { FailureType } from '../contract/failures';
import { targetStateSignal } from '../contract/target-control';
import { historyBudget, SignalLedger } from './history-budget';
import { LegRunner } from './legs';
import { OperatorDesk } from './operator';
import type { Leg } from './leg-entry';
import { DeliveryRecord } from './record';
import { Saga } from './saga';

/**
 * One delivery: sends the payload to every target at once, each leg retried by its own policy;
 * if a leg fails for good (or an operator cancels), the other legs start no new attempt, and
 * every leg that succeeded, or may have, is undone. An undo that fails for good parks the run
 * as `needs_attention` until an operator retries or resolves it.
 */
export async function delivery(input: DeliveryInput): Promise<DeliveryState> {
  // The first attempts, dispatched with this task's answer, then find the payload in memory.
  proxySinks<DeliverySinks>().payloads.keep(input.payload);
  return new DeliveryRun(input).run();
}

class DeliveryRun {
  private readonly record: DeliveryRecord;
  private readonly saga = new Saga();
  private readonly legs: LegRunner;
  private readonly desk: OperatorDesk;
  /** Every signal the run took, for its history budget. */
  private readonly signals = new SignalLedger();

  constructor(input: DeliveryInput) {
    this.record = new DeliveryRecord(input);
    const { signals } = this;
    this.legs = new LegRunner(
      this.record,
      this.saga,
      historyBudget(input.historyBudgetBytes, signals),
    );
    this.desk = new OperatorDesk(this.record, (leg) => this.legs.canRetry(leg), signals);
  }

  /** The contract's story: send every leg; if one failed, undo; park until an operator acts. */
  async run(): Promise<DeliveryState> {
    const { record } = this;
    setHandler(statusQuery, () => record.snapshot());
    setHandler(targetStateSignal, (notice) => {
      this.signals.add([notice]);
      record.targetNotice(notice);
    });
    this.desk.listen();
    this.listenForCancel();
    record.announce();
    // Compensation must run even when the delivery is being cancelled: the whole run is shielded,
    // and a cancel request is turned into "stop, undo, then end as cancelled".
    return CancellationScope.nonCancellable(async () => {
      await Promise.all(record.legs.map((leg) => this.legs.send(leg)));
      if (record.stopReason === undefined) return record.finish('completed');

      record.legs.forEach((leg) => this.legs.registerUndo(leg));
      await this.compensate();
      if ((await this.desk.waitWhileParked((legs) => this.retry(legs))) === 'resolved') {
        return record.finish('resolved');
      }
      return record.cancelled ? this.endCancelled() : this.endCompensated();
    });
  }

  private listenForCancel(): void {
    CancellationScope.current().cancelRequested.catch(() => this.record.cancel());
  }

  /** Runs the pending undos (all, or those named); each one that failed parks its leg. */
  private async compensate(names?: readonly string[]): Promise<void> {
    const report = await this.saga.compensate(names);
    for (const { name, error } of report.failed) {
      this.record.park(name, `${name} compensation failed: ${error}`);
    }
  }

  /** An operator's retry of parked legs. */
  private async retry(chosen: Leg[]): Promise<void> {
    await Promise.all(
      chosen
        .filter((leg) => !this.saga.pending.includes(leg.plan.target))
        // A leg whose outcome is unknown is re-sent with the same Idempotency-Key to learn it:
        // a target that acted answers as before; one that had not acts now and is undone next.
        .map(async (leg) => {
          await this.legs.send(leg, () => false);
          this.legs.registerUndo(leg);
        }),
    );
    await this.compensate(chosen.map((leg) => leg.plan.target));
  }

  private undoneSummary(): string {
    const undone = this.record.legs.filter((leg) => leg.state.status === 'compensated');
    return undone.length > 0
      ? `undone: ${undone.map((leg) => leg.plan.target).join(', ')}`
      : 'nothing needed undoing';
  }

  private endCancelled(): never {
    const reason = `cancelled by an operator; ${this.undoneSummary()}`;
    this.record.finish('cancelled', reason);
    throw new CancelledFailure(reason);
  }

  private endCompensated(): never {
    const { record } = this;
    const state = record.finish('compensated', `${record.stopReason}; ${this.undoneSummary()}`);
    throw ApplicationFailure.create({
      type: FailureType.DeliveryCompensated,
      message: state.reason!,
      nonRetryable: true,
      details: [state],
    });
  }
}
