import { ApplicationFailure, CancellationScope, condition, setHandler } from '@temporalio/workflow';
import { resolveUpdate, retryUpdate } from '../contracts';
import { FailureType } from '../failures';
import type { DeliveryRecord, Leg } from './record';

/** What an operator asked a parked delivery to do. */
type OperatorAction = { kind: 'retry'; leg?: string } | { kind: 'resolve'; note: string };

/** How a delivery's wait for an operator ended: resolved by hand, or no leg parked any more. */
export type ParkingOutcome = 'resolved' | 'unparked';

/**
 * The operator's side of a delivery: the `retry` and `resolve` updates, and the wait while the
 * run is parked. Handlers only record the action; the run acts on it in {@link waitWhileParked},
 * so the run's sequence stays in one place.
 */
export class OperatorDesk {
  private action?: OperatorAction;

  constructor(
    private readonly record: DeliveryRecord,
    private readonly canRetry: (leg: Leg) => boolean,
  ) {}

  /** Registers the update handlers. */
  listen(): void {
    const { record } = this;
    // Validators check the arguments only. Whether the run is parked is decided in the handler,
    // after it has waited for the run to leave `running`: a validator can run before the events
    // of the same workflow task are applied (after a cache eviction), and would see old state.
    setHandler(
      retryUpdate,
      async ({ leg }) => {
        await this.requireParked('retry');
        const parked = [...record.parked.keys()];
        if (leg !== undefined && !record.parked.has(leg)) {
          throw ApplicationFailure.nonRetryable(
            `Leg "${leg}" is not waiting for an operator; these are: ${parked.join(', ')}.`,
            FailureType.NotParked,
          );
        }
        const chosen = leg !== undefined ? [leg] : parked;
        if (chosen.every((name) => !this.canRetry(record.leg(name)))) {
          throw ApplicationFailure.nonRetryable(
            `${chosen.join(', ')} declare${chosen.length === 1 ? 's' : ''} no compensation, so a retry cannot undo it: ` +
              'undo it by hand at the target, then resolve the delivery.',
            FailureType.NotRetryable,
          );
        }
        this.action = { kind: 'retry', ...(leg !== undefined && { leg }) };
      },
      {
        validator: ({ leg }) => {
          if (leg !== undefined && !record.legs.some((l) => l.plan.target === leg)) {
            throw ApplicationFailure.nonRetryable(
              `Delivery "${record.input.id}" has no leg "${leg}".`,
              FailureType.InvalidAction,
            );
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
            throw ApplicationFailure.nonRetryable(
              'A resolve needs a note saying what was done by hand.',
              FailureType.InvalidAction,
            );
          }
        },
      },
    );
  }

  /**
   * Parks the run while legs need an operator: each `retry` runs `retry` with the legs it may
   * retry (they leave the parked list first); returns once none is parked, or on `resolve`.
   */
  async waitWhileParked(retry: (legs: Leg[]) => Promise<void>): Promise<ParkingOutcome> {
    const { record } = this;
    while (record.parked.size > 0) {
      record.reason = [...record.parked.values()].join('; ');
      record.setStatus('needs_attention');
      // Durable: the run sleeps here, for days if need be, until an operator's update arrives.
      await condition(() => this.action !== undefined);
      const action = this.action!;
      this.action = undefined;
      if (action.kind === 'resolve') {
        record.note = action.note;
        return 'resolved';
      }
      record.setStatus('running');
      const chosen = (action.leg !== undefined ? [action.leg] : [...record.parked.keys()])
        .map((name) => record.leg(name))
        .filter((leg) => this.canRetry(leg));
      for (const leg of chosen) record.parked.delete(leg.plan.target);
      await retry(chosen);
    }
    return 'unparked';
  }

  /** Waits until the run is parked or closed; refuses unless parked with no action pending. */
  private async requireParked(verb: string): Promise<void> {
    const { record } = this;
    // Shielded: an operator may still retry or resolve a parked run that was asked to cancel.
    await CancellationScope.nonCancellable(() => condition(() => record.status !== 'running'));
    if (record.status !== 'needs_attention' || this.action !== undefined) {
      throw ApplicationFailure.nonRetryable(
        `Delivery "${record.input.id}" is ${record.status}, not needs_attention: there is nothing to ${verb}.`,
        FailureType.NotParked,
      );
    }
  }
}
