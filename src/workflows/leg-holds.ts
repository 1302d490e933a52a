import type { LegState, PauseState } from '../contract/contracts';
import type { TargetNotice } from '../contract/target-control';
import { hasWorkLeft } from '../contract/work-left';
import type { Hold } from './clock';
import type { Leg, LegEntry } from './leg-entry';
import { TargetNotices } from './target-holds';

/**
 * What holds a delivery's legs from attempting: an operator's pause of a leg and its target's
 * pause across the fleet, both with their deadlines suspended, and its target's open breaker,
 * whose deadline keeps running (the business deadline stands while the target is down). Each hold
 * is kept in the leg's state (what reads show) and, when it suspends the deadline, on its phase's
 * clock; each is lifted on its own. Owned by the delivery's record, which shows the status each
 * change leads to.
 */
export class LegHolds {
  private readonly notices = new TargetNotices();

  constructor(private readonly entries: readonly LegEntry[]) {}

  /** The holds a phase of a leg in `state` starts with: its clock starts suspended by them. */
  static of(state: LegState): Hold[] {
    return [
      ...(state.paused !== undefined ? (['operator'] as const) : []),
      ...(state.held?.reason === 'paused' ? (['target'] as const) : []),
    ];
  }

  /**
   * Whether a leg is paused (by an operator, or by its target) with an attempt left: the run shows
   * as `paused`. A leg held by its target's open breaker is not paused: its deadline runs.
   */
  anyPaused(): boolean {
    return this.entries.some(
      ({ state }) =>
        state.paused !== undefined || (state.held?.reason === 'paused' && hasWorkLeft(state)),
    );
  }

  /** An operator pauses `legs` (each with `paused`): their clocks stop. */
  pause(legs: readonly Leg[], paused: PauseState): void {
    for (const entry of this.entriesOf(legs)) {
      entry.state.paused = { ...paused };
      entry.clock?.pause();
    }
  }

  /** An operator resumes `legs`: their deadlines move on by the pause, unless a target holds them. */
  resume(legs: readonly Leg[]): void {
    for (const entry of this.entriesOf(legs)) {
      delete entry.state.paused;
      entry.clock?.resume();
    }
  }

  /**
   * A target's controller holds (or releases) the legs to its target; see `TargetNotices`. Only a
   * pause suspends their deadlines. Returns whether the notice changed anything (a stale one does
   * not).
   */
  targetNotice(notice: TargetNotice): boolean {
    const held = this.notices.take(notice);
    if (held === 'stale') return false;
    for (const entry of this.entries.filter((leg) => leg.plan.target === notice.target)) {
      if (held) entry.state.held = held;
      else delete entry.state.held;
      if (held?.reason === 'paused') entry.clock?.pause('target');
      else entry.clock?.resume('target');
    }
    return true;
  }

  /** The run has ended: nothing is left to attempt, so nothing is held. */
  end(): void {
    for (const { state } of this.entries) {
      delete state.paused;
      delete state.held;
    }
  }

  private entriesOf(legs: readonly Leg[]): LegEntry[] {
    return legs.map((leg) => this.entries.find((entry) => entry.plan.target === leg.plan.target)!);
  }
}
