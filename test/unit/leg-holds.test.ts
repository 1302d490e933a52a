import { describe, expect, it } from 'vitest';
import type { LegState } from '../../src/contract/contracts';
import { holdsOf } from '../../src/contract/holds';
import type { TargetHeld } from '../../src/contract/target-control';
import { PhaseClock } from '../../src/workflows/clock';
import type { LegEntry } from '../../src/workflows/leg-entry';
import { LegHolds } from '../../src/workflows/leg-holds';

const DEADLINE_MS = 60_000;

/** A delivery with one leg still to send to `shipping`, its sending phase's clock started. */
function oneLeg(): { entry: LegEntry; holds: LegHolds } {
  const state: LegState = {
    target: 'shipping',
    status: 'pending',
    outcomeUnknown: false,
    attempts: 0,
  };
  const entry: LegEntry = {
    plan: {
      target: 'shipping',
      taskQueue: 'tandem-shipping',
      timeoutMs: DEADLINE_MS,
      retry: {
        initialIntervalMs: 1000,
        backoffCoefficient: 2,
        maximumIntervalMs: 10_000,
        maximumAttempts: 0,
        deadlineMs: DEADLINE_MS,
        jitter: 'none',
      },
    },
    state,
    clock: new PhaseClock(DEADLINE_MS, []),
  };
  return { entry, holds: new LegHolds([entry]) };
}

const notice = (held: TargetHeld | undefined, epoch: number) => ({
  target: 'shipping',
  epoch,
  ...(held !== undefined && { held }),
});

describe("the holds of a delivery's legs", () => {
  it("hold a leg with its deadline running while its target's breaker is open: the run is not shown paused", () => {
    const { entry, holds } = oneLeg();
    expect(holds.targetNotice(notice('breaker_open', 1))).toBe(true);
    expect(entry.state.held?.reason).toBe('breaker_open');
    expect(entry.clock?.paused).toBe(false);
    expect(entry.clock?.deadlineAt()).toBeDefined();
    expect(holds.anyPaused()).toBe(false);
  });

  it('hold a leg with its deadline suspended while its target is paused: the run is shown paused', () => {
    const { entry, holds } = oneLeg();
    holds.targetNotice(notice('breaker_open', 1));
    holds.targetNotice(notice('paused', 2));
    expect(entry.state.held?.reason).toBe('paused');
    expect(entry.clock?.paused).toBe(true);
    expect(holds.anyPaused()).toBe(true);
    // The pause lifted while the breaker is open again: held, the deadline running once more.
    holds.targetNotice(notice('breaker_open', 3));
    expect(entry.clock?.paused).toBe(false);
    expect(holds.anyPaused()).toBe(false);
    holds.targetNotice(notice(undefined, 4));
    expect(entry.state.held).toBeUndefined();
  });

  it('count a leg held by either reason of its target as held in TandemHolds', () => {
    for (const held of ['paused', 'breaker_open'] as const) {
      const { entry, holds } = oneLeg();
      holds.targetNotice(notice(held, 1));
      const delivery = { id: 'd', status: 'running', startedAt: '2026-11-23T10:56:21Z' } as const;
      expect(holdsOf({ ...delivery, legs: [entry.state] })).toEqual(['shipping:held']);
    }
  });
});
