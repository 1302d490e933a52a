/**
 * Where a delivery's legs are held from attempting, as its `TandemHolds` search attribute keeps
 * it (`"<target>:<hold>"`), so holds can be counted per target across every run without a
 * worker: the gateway's `tandem_legs{target,state}` gauge and the listing of targets read it.
 */
import type { DeliveryState, LegState } from './contracts';
import { hasWorkLeft } from './work-left';

/**
 * Why a leg makes no attempt now: `waiting` out a backoff after a failed attempt, `paused` by an
 * operator, or `held` by its target: paused across the fleet (the deadline suspended, as by an
 * operator's pause) or its breaker open (the deadline running).
 */
export const LEG_HOLDS = ['waiting', 'paused', 'held'] as const;
export type LegHold = (typeof LEG_HOLDS)[number];

/**
 * The hold of one leg, if it is held: one each, the operator's pause first (its own resume is
 * what lifts it), then the target's (which marks every leg to it, only those with work left
 * held by it).
 */
function holdOf(leg: LegState): LegHold | undefined {
  if (leg.paused) return 'paused';
  if (leg.held && hasWorkLeft(leg)) return 'held';
  return leg.retryAt === undefined ? undefined : 'waiting';
}

/** The value `TandemHolds` keeps for a target's leg held for `hold`. */
export function holdValue(target: string, hold: LegHold): string {
  return `${target}:${hold}`;
}

/** The `TandemHolds` values of a delivery: one per held leg, in leg order. */
export function holdsOf(state: DeliveryState): string[] {
  return state.legs.flatMap((leg) => {
    const hold = holdOf(leg);
    return hold === undefined ? [] : [holdValue(leg.target, hold)];
  });
}
