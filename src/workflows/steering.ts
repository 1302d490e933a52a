/**
 * Steering a running delivery leg by leg: pause, resume, retry now, extend a deadline. Each rule
 * either changes the legs and says which, or refuses with why, changing nothing.
 */
import { askedBy, UNKNOWN_CALLER, type RequestRef } from '../contract/action-record';
import type { OperatorArgs } from '../contract/action-types';
import { parseDuration } from '../contract/duration';
import { FailureType } from '../contract/failures';
import { refusal } from './operator-args';
import type { Leg } from './leg-entry';
import type { DeliveryRecord } from './record';
import { hasWorkLeft } from '../contract/work-left';

function pausedBy(leg: Leg): string {
  const paused = leg.state.paused!;
  return `${leg.plan.target} is paused (${askedBy(paused)}${paused.note ? `: ${paused.note}` : ''})`;
}

const names = (legs: readonly Leg[]) => legs.map((leg) => leg.plan.target);

/** Operator rules over the legs of one delivery. */
export class Steering {
  constructor(private readonly record: DeliveryRecord) {}

  /**
   * Pauses one leg, or every leg with work left: no new attempt of it (sending or undoing)
   * starts until resumed, an attempt on the wire finishes, and its deadline is suspended.
   */
  pause(
    { leg, note }: OperatorArgs['pause'],
    origin: RequestRef & { claimedBy?: string },
  ): string[] {
    const chosen = this.choose(
      leg,
      (l) => l.state.paused === undefined && hasWorkLeft(l.state),
      (l) =>
        l.state.paused !== undefined
          ? `${pausedBy(l)} already`
          : `${l.plan.target} has nothing left to attempt (${l.state.status})`,
      'every leg is paused already or has nothing left to attempt',
    );
    this.record.pause(chosen, {
      by: UNKNOWN_CALLER,
      ...(origin.updateId !== undefined && { updateId: origin.updateId }),
      ...(origin.signal !== undefined && { signal: origin.signal }),
      ...(origin.claimedBy !== undefined && { claimedBy: origin.claimedBy }),
      ...(note !== undefined && { note: note.trim() }),
      at: new Date().toISOString(),
    });
    return names(chosen);
  }

  /** Resumes one paused leg, or every paused leg: its deadline moves on by the pause. */
  resume({ leg }: OperatorArgs['resume']): string[] {
    const chosen = this.choose(
      leg,
      (l) => l.state.paused !== undefined,
      (l) => `${l.plan.target} is not paused`,
      'no leg is paused',
    );
    this.record.resume(chosen);
    return names(chosen);
  }

  /** Ends the backoff wait of one leg, or of every leg waiting one: it attempts at once. */
  retryNow({ leg }: OperatorArgs['retryNow']): string[] {
    const waiting = (l: Leg) => l.state.paused === undefined && l.clock?.retryAt !== undefined;
    const chosen = this.choose(
      leg,
      waiting,
      (l) =>
        l.state.paused !== undefined
          ? `${pausedBy(l)}: resume it instead`
          : `${l.plan.target} is ${l.state.status}, not waiting to retry`,
      `no leg is waiting to retry (${this.record.legs.map((l) => `${l.plan.target}: ${l.state.status}${l.state.paused ? ', paused' : ''}`).join('; ')})`,
    );
    this.record.retryNow(chosen);
    return names(chosen);
  }

  /** Gives one leg's current phase more time before its deadline. */
  extendDeadline({ leg, duration }: OperatorArgs['extendDeadline']): string[] {
    const [chosen] = this.choose(
      leg,
      (l) => l.clock !== undefined,
      (l) => `${l.plan.target} has no deadline running: it is ${l.state.status}`,
      '',
    );
    this.record.extendDeadline(chosen!, parseDuration(duration)!);
    return [leg];
  }

  /**
   * The named leg if `fits` it (else a refusal saying `why` not), or every leg that fits (else a
   * refusal saying `none`).
   */
  private choose(
    name: string | undefined,
    fits: (leg: Leg) => boolean,
    why: (leg: Leg) => string,
    none: string,
  ): Leg[] {
    if (name !== undefined) {
      const leg = this.record.leg(name);
      if (!fits(leg)) refusal(`${why(leg)}.`, FailureType.NotApplicable);
      return [leg];
    }
    const chosen = this.record.legs.filter(fits);
    if (chosen.length === 0) refusal(`Nothing to do: ${none}.`, FailureType.NotApplicable);
    return chosen;
  }
}
