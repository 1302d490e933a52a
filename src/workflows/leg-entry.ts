/** One leg of a delivery: as its record keeps it, and as other modules read it. */
import type { HttpAnswer, LegPlan, LegState, PauseState, PhaseState } from '../contract/contracts';
import type { PhaseClock } from './clock';

/** A phase of a leg: sending it, or undoing it. */
export type Phase = 'sending' | 'undoing';

/** What others read of a phase's clock; steering changes it through the record. */
export type ClockReading = Readonly<
  Pick<PhaseClock, 'retryAt' | 'paused' | 'remainingMs' | 'deadlineAt'>
>;

/** One leg as other modules see it: read-only, it changes through the record's transitions. */
export interface Leg {
  readonly plan: LegPlan;
  readonly state: Readonly<Omit<LegState, 'compensation' | 'paused'>> & {
    readonly compensation?: Readonly<PhaseState>;
    readonly paused?: Readonly<PauseState>;
  };
  /** The target's answer, kept for compensation templates. */
  readonly response?: HttpAnswer;
  /** The clock of the phase running now (sending or undoing), if one is. */
  readonly clock?: ClockReading;
}

/** One leg as the record keeps it. */
export interface LegEntry extends Leg {
  readonly state: LegState;
  response?: HttpAnswer;
  clock?: PhaseClock;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A leg's state with what its clock shows: deadline (or what is left of it), next attempt. */
export function legView({ state, clock }: LegEntry): LegState {
  if (!clock) return state;
  const deadlineAt = iso(clock.deadlineAt());
  const retryAt = iso(clock.retryAt);
  return {
    ...state,
    ...(deadlineAt !== undefined ? { deadlineAt } : { deadlineLeftMs: clock.remainingMs() }),
    ...(retryAt !== undefined && { retryAt }),
  };
}
