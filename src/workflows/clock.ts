import { condition } from '@temporalio/workflow';

/**
 * What holds a leg with its deadline suspended: an operator's pause of the leg, or of its target
 * across the fleet. Each is lifted on its own; the leg attempts again once none is left.
 */
export type Hold = 'operator' | 'target';

/**
 * The clock of one phase of a leg (sending or undoing): its deadline, which an operator can
 * extend, and which a hold suspends (held time does not count against it: a target down for
 * maintenance does not use up the leg's deadline); and its backoff wait, which `retryNow` ends.
 */
export class PhaseClock {
  private deadline: number;
  private pausedAt: number | undefined;
  private readonly holds = new Set<Hold>();
  private wake = false;
  /** When the next attempt is due, while waiting out a backoff. */
  retryAt: number | undefined;

  constructor(deadlineMs: number, holds: readonly Hold[]) {
    this.deadline = Date.now() + deadlineMs;
    for (const hold of holds) this.pause(hold);
  }

  /** Time left before the deadline; frozen while paused. */
  remainingMs(): number {
    return this.deadline - (this.pausedAt ?? Date.now());
  }

  /** When the deadline falls, or `undefined` while it is suspended. */
  deadlineAt(): number | undefined {
    return this.pausedAt === undefined ? this.deadline : undefined;
  }

  get paused(): boolean {
    return this.pausedAt !== undefined;
  }

  /** Holds the leg (an operator's pause by default): its deadline stops. */
  pause(hold: Hold = 'operator'): void {
    this.holds.add(hold);
    this.pausedAt ??= Date.now();
  }

  /** Lifts one hold; once none is left, the deadline moves on by the time the leg was held. */
  resume(hold: Hold = 'operator'): void {
    this.holds.delete(hold);
    if (this.pausedAt === undefined || this.holds.size > 0) return;
    this.deadline += Date.now() - this.pausedAt;
    this.pausedAt = undefined;
  }

  extend(ms: number): void {
    this.deadline += ms;
  }

  /** Waits `delay`, or less if `stopped()` turns true or {@link retryNow} is called. */
  async backoff(delay: number, stopped: () => boolean): Promise<void> {
    this.wake = false;
    this.retryAt = Date.now() + delay;
    try {
      await condition(() => this.wake || stopped(), delay);
    } finally {
      this.retryAt = undefined;
      this.wake = false;
    }
  }

  /** Ends the current backoff wait; returns whether there was one. */
  retryNow(): boolean {
    if (this.retryAt === undefined) return false;
    this.wake = true;
    return true;
  }

  /** Waits while paused, unless `stopped()` turns true. */
  async whilePaused(stopped: () => boolean): Promise<void> {
    if (this.paused) await condition(() => !this.paused || stopped());
  }
}
