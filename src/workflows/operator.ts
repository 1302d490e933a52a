import {
  ApplicationFailure,
  CancellationScope,
  condition,
  currentUpdateInfo,
  log,
  setDefaultSignalHandler,
  setHandler,
} from '@temporalio/workflow';
import { OPERATOR_ACTIONS, operatorSignals, operatorUpdates } from '../contract/operator-actions';
import { UNKNOWN_CALLER, type ActionRecord, type RequestRef } from '../contract/action-record';
import {
  deliveryActionSpec,
  handlerDescription,
  type OperatorAction,
  type OperatorArgs,
} from '../contract/action-types';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { FailureType } from '../contract/failures';
import { MAX_OPERATOR_SIGNALS } from '../contract/limits';
import type { SignalLedger } from './history-budget';
import { claimOf, parseArgs, refusal } from './operator-args';
import type { Leg } from './leg-entry';
import type { DeliveryRecord } from './record';
import { Steering } from './steering';

/** Who and how an action came: the request Temporal recorded, and what its input claimed. */
type Origin = RequestRef & { via: ActionRecord['via']; claimedBy?: string };

/** What an operator asked a parked delivery to do. */
type ParkedAction = { kind: 'retry'; leg?: string } | { kind: 'resolve'; note: string };

/** How a delivery's wait for an operator ended: resolved by hand, or no leg parked any more. */
export type ParkingOutcome = 'resolved' | 'unparked';

/**
 * The operator's side of a delivery. Every action is an update and a signal of the same name,
 * with one handler behind both, checked by the gateway's rules: the update answers with what
 * was done or refuses with why; a signal cannot be refused, so an invalid one changes nothing
 * (no state, memo, status or search attribute) and is logged once with why, and shown in the
 * run's current details. Signals past `MAX_OPERATOR_SIGNALS` are counted and ignored. Retry and
 * resolve only record the action; the run acts on it in {@link waitWhileParked}, so the run's
 * sequence stays in one place.
 */
export class OperatorDesk {
  private action?: ParkedAction;
  private readonly steering: Steering;
  /** Operator signals received so far (signals of other names are not counted here). */
  private operatorSignals = 0;

  constructor(
    private readonly record: DeliveryRecord,
    private readonly canRetry: (leg: Leg) => boolean,
    private readonly signals: SignalLedger,
  ) {
    this.steering = new Steering(record);
  }

  /** Registers the update and the signal of every action. */
  listen(): void {
    const legs = this.record.legs.map((leg) => leg.plan.target);
    for (const name of OPERATOR_ACTIONS) {
      const description = handlerDescription(name);
      // Inputs are taken as unknown: a signal's is whatever JSON an operator typed.
      const update = operatorUpdates[name] as UpdateDefinition<ActionRecord, [unknown]>;
      const signal = operatorSignals[name] as SignalDefinition<[unknown]>;
      setHandler(update, (args: unknown) => this.onUpdate(name, args), {
        // Validators check the arguments only: a validator can run before the events of the same
        // workflow task are applied (after a cache eviction), and would see old state.
        validator: (args: unknown) => void parseArgs(name, args, legs),
        description,
      });
      // At once, with no await: signals are kept in the order they arrived.
      setHandler(signal, (...args: unknown[]) => this.onSignal(name, args), { description });
    }
    setDefaultSignalHandler((name, ...args: unknown[]) => {
      this.signals.add(args);
      this.refuseSignal(name, `"${name}" is not a signal this run takes`);
    });
  }

  /** A signal: counted, then acted on, or refused without a trace in the state. */
  private onSignal(name: OperatorAction, args: unknown[]): void {
    this.signals.add(args);
    // Its place among the operator signals, as readers count them in the run's history.
    const signal = ++this.operatorSignals;
    if (signal > MAX_OPERATOR_SIGNALS) {
      this.refuseSignal(name, `the run takes at most ${MAX_OPERATOR_SIGNALS} operator signals`);
      return;
    }
    const raw = args[0];
    const claimedBy = claimOf(raw);
    const origin: Origin = { via: 'signal', signal, ...(claimedBy && { claimedBy }) };
    try {
      this.act(name, raw, origin)();
    } catch (error) {
      if (!(error instanceof ApplicationFailure)) throw error;
      this.refuseSignal(name, error.message);
    }
  }

  /** Logs a refused signal once (never on replay) and shows it in the run's current details. */
  private refuseSignal(name: string, why: string): void {
    const count = this.signals.count;
    // A flood is logged at its start and where it passes the cap, not line by line.
    if (count <= MAX_OPERATOR_SIGNALS + 1) {
      log.warn('signal refused: it changed nothing', { signal: name, why, signalsSoFar: count });
    }
    this.record.showRefusal(`${name}: ${why}`);
  }

  /** How an action is kept, before what it did is known. */
  private entry(action: OperatorAction, raw: unknown, origin: Origin): Omit<ActionRecord, 'at'> {
    const { note, batch } = (raw ?? {}) as { note?: unknown; batch?: unknown };
    return {
      action,
      by: UNKNOWN_CALLER,
      ...origin,
      ...(typeof note === 'string' && note.trim() !== '' && { note: note.trim() }),
      // Checked by `parseArgs` first: only a batch id reaches here.
      ...(typeof batch === 'string' && { batch }),
    };
  }

  /**
   * The one handler: parses and applies the action (or throws its refusal), then returns how to
   * keep it.
   */
  private act(action: OperatorAction, raw: unknown, origin: Origin): () => ActionRecord {
    const args = parseArgs(
      action,
      raw,
      this.record.legs.map((leg) => leg.plan.target),
    );
    const legs = this.apply(action, args, origin);
    return () => {
      const kept = this.record.keepAction({
        ...this.entry(action, raw, origin),
        ...(legs.length > 0 && { legs }),
        ...(action === 'extendDeadline' && {
          duration: (args as OperatorArgs['extendDeadline']).duration,
        }),
      });
      // Once, not on replay; the worker adds the delivery id from the run's id.
      log.info(`operator action: ${action}`, { action, via: kept.via, legs: kept.legs ?? [] });
      return kept;
    };
  }

  /** An update: judged like its signal, then answered with the action as kept. */
  private async onUpdate(action: OperatorAction, raw: unknown): Promise<ActionRecord> {
    const claimedBy = claimOf(raw);
    const updateId = currentUpdateInfo()?.id;
    const origin: Origin = {
      via: 'update',
      ...(updateId !== undefined && { updateId }),
      ...(claimedBy && { claimedBy }),
    };
    if (deliveryActionSpec(action).when.run === 'parked') {
      // It may arrive in the task that parks the run: it is judged once the run has parked or
      // closed. Shielded: a parked run asked to cancel still takes retry and resolve.
      await CancellationScope.nonCancellable(() =>
        condition(() => this.record.status !== 'running'),
      );
    }
    return this.act(action, raw, origin)();
  }

  private apply(action: OperatorAction, args: unknown, origin: Origin): string[] {
    switch (action) {
      case 'retry':
        return this.retry(args as OperatorArgs['retry']);
      case 'resolve':
        this.requireParked('resolve');
        this.action = { kind: 'resolve', note: (args as OperatorArgs['resolve']).note.trim() };
        return [];
      case 'pause':
        return this.steering.pause(args as OperatorArgs['pause'], origin);
      case 'resume':
        return this.steering.resume(args as OperatorArgs['resume']);
      case 'retryNow':
        return this.steering.retryNow(args as OperatorArgs['retryNow']);
      case 'extendDeadline':
        return this.steering.extendDeadline(args as OperatorArgs['extendDeadline']);
    }
  }

  private retry({ leg }: OperatorArgs['retry']): string[] {
    const { record } = this;
    this.requireParked('retry');
    const parked = [...record.parked.keys()];
    if (leg !== undefined && !record.parked.has(leg)) {
      refusal(
        `Leg "${leg}" is not waiting for an operator; these are: ${parked.join(', ')}.`,
        FailureType.NotParked,
      );
    }
    const chosen = leg !== undefined ? [leg] : parked;
    if (chosen.every((name) => !this.canRetry(record.leg(name)))) {
      refusal(
        `${chosen.join(', ')} declare${chosen.length === 1 ? 's' : ''} no compensation, so a retry cannot undo it: ` +
          'undo it by hand at the target, then resolve the delivery.',
        FailureType.NotRetryable,
      );
    }
    this.action = { kind: 'retry', ...(leg !== undefined && { leg }) };
    return chosen.filter((name) => this.canRetry(record.leg(name)));
  }

  /**
   * Parks the run while legs need an operator: each `retry` runs `retry` with the legs it may
   * retry (they leave the parked list first); returns once none is parked, or on `resolve`.
   */
  async waitWhileParked(retry: (legs: Leg[]) => Promise<void>): Promise<ParkingOutcome> {
    const { record } = this;
    while (record.parked.size > 0) {
      record.needsAttention();
      // Durable: the run sleeps here, for days if need be, until an operator's update arrives.
      await condition(() => this.action !== undefined);
      const action = this.action!;
      this.action = undefined;
      if (action.kind === 'resolve') {
        record.resolveByHand(action.note);
        return 'resolved';
      }
      const chosen = (action.leg !== undefined ? [action.leg] : [...record.parked.keys()])
        .map((name) => record.leg(name))
        .filter((leg) => this.canRetry(leg));
      record.unpark(chosen);
      await retry(chosen);
    }
    return 'unparked';
  }

  /** Refuses unless parked with no action pending. */
  private requireParked(verb: string): void {
    const { record } = this;
    if (record.status !== 'needs_attention' || this.action !== undefined) {
      refusal(
        `Delivery "${record.input.id}" is ${record.shownStatus()}, not needs_attention: there is nothing to ${verb}.`,
        FailureType.NotParked,
      );
    }
  }
}
