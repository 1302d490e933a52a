import { describe, expect, it } from 'vitest';
import type { RetryPlan } from '../../src/contract/contracts';
import { nextRetryDelay } from '../../src/workflows/backoff';

const plan: RetryPlan = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
  maximumAttempts: 8,
  deadlineMs: 600_000,
  jitter: 'none',
};
const jittered: RetryPlan = { ...plan, jitter: 'full' };
const unused = (): number => {
  throw new Error('random must not be drawn without jitter');
};

describe('nextRetryDelay', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [5, 16_000],
    [6, 30_000],
    [20, 30_000],
  ])(
    'after failed attempt %i waits %i ms: exponential, capped at maximumInterval',
    (failed, ms) => {
      expect(nextRetryDelay(plan, failed, undefined, unused)).toBe(ms);
    },
  );

  it('follows the declared coefficient, keeping the delay constant at 1', () => {
    const steady = { ...plan, backoffCoefficient: 1, initialIntervalMs: 500 };
    const gentle = { ...plan, backoffCoefficient: 1.5 };

    expect([1, 2, 3].map((n) => nextRetryDelay(steady, n, undefined, unused))).toEqual([
      500, 500, 500,
    ]);
    expect([1, 2, 3].map((n) => nextRetryDelay(gentle, n, undefined, unused))).toEqual([
      1_000, 1_500, 2_250,
    ]);
  });

  it.each([
    [0, 0],
    [0.25, 1_000],
    [0.5, 2_000],
    [0.999_999, 3_999],
  ])('with full jitter and random() = %d, draws %i ms out of a 4000 ms delay', (r, ms) => {
    expect(nextRetryDelay(jittered, 3, undefined, () => r)).toBe(ms);
  });

  it('keeps full jitter within [0, maximumInterval] once the delay is capped', () => {
    expect(nextRetryDelay(jittered, 12, undefined, () => 0.999_999)).toBe(29_999);
    expect(nextRetryDelay(jittered, 12, undefined, () => 0.5)).toBe(15_000);
  });

  it('never waits less than Retry-After, with or without jitter', () => {
    expect(nextRetryDelay(plan, 1, 5_000, unused)).toBe(5_000);
    expect(nextRetryDelay(jittered, 3, 3_000, () => 0)).toBe(3_000);
    expect(nextRetryDelay(plan, 1, 45_000, unused)).toBe(45_000);
  });

  it('keeps the backoff when Retry-After asks for less', () => {
    expect(nextRetryDelay(plan, 3, 500, unused)).toBe(4_000);
    expect(nextRetryDelay(plan, 3, 0, unused)).toBe(4_000);
  });
});
