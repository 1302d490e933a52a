/**
 * Where a delivery's legs are held from attempting, as its `TandemHolds` search attribute keeps
 * it (`"<target>:<hold>"`), so holds can be counted per target across every run without a
 * worker: the gateway's `tandem_legs{target,state}` gauge and the listing of targets read it.
 */
import type { DeliveryState, LegState } from './contracts';

/**
 * Why a leg makes no attempt now: `waiting` out a backoff after a failed attempt, or `paused`
 * by an operator (its deadline suspended).
 */
export const LEG_HOLDS = ['waiting', 'paused'] as const;
export type LegHold = (typeof LEG_HOLDS)[number];

/** The hold of one leg, if it is held. */
function holdOf(leg: LegState): LegHold | undefined {
  if (leg.paused) return 'paused';
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
