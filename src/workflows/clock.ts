import { condition } from '@temporalio/workflow';

/**
 * The clock of one phase of a leg (sending or undoing): its deadline, which an operator can
 * extend, and which a pause suspends (paused time does not count against it: a target down for
 * maintenance does not use up the leg's deadline); and its backoff wait, which `retryNow` ends.
 */
export class PhaseClock {
  private deadline: number;
  private pausedAt: number | undefined;
  private wake = false;
  /** When the next attempt is due, while waiting out a backoff. */
  retryAt: number | undefined;

  constructor(deadlineMs: number, paused: boolean) {
    this.deadline = Date.now() + deadlineMs;
    if (paused) this.pausedAt = Date.now();
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

  pause(): void {
    this.pausedAt ??= Date.now();
  }

  /** Ends a pause: the deadline moves on by the time it lasted. */
  resume(): void {
    if (this.pausedAt === undefined) return;
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
