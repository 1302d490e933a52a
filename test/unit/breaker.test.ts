import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FRESH_BREAKER,
  maybeHalfOpen,
  recordOutcomes,
  switchedOff,
  windowTotals,
  type BreakerMemory,
  type BreakerSettings,
} from '../../src/contract/breaker';
import { formatTargets } from '../../src/cli/targets';
import { parseConfig } from '../../src/contract/config/load';
import { ConfigError } from '../../src/contract/errors';
import { caught } from '../support/wait';

const SETTINGS: BreakerSettings = {
  failureRate: 0.5,
  minAttempts: 20,
  windowMs: 60_000,
  openForMs: 30_000,
  probes: 3,
};
const T0 = Date.parse('2026-11-23T10:00:00Z');

/** Feeds reports `[ok, failed, secondsAfterT0]` one by one; returns the end and the transitions. */
function feed(reports: readonly [number, number, number][], start = FRESH_BREAKER) {
  let memory: BreakerMemory = start;
  const transitions = [];
  for (const [ok, failed, seconds] of reports) {
    const at = T0 + seconds * 1000;
    const step = recordOutcomes(memory, SETTINGS, { ok, failed, at }, at);
    memory = step.memory;
    if (step.transition) transitions.push(step.transition);
  }
  return { memory, transitions };
}

describe('the circuit breaker', () => {
  it('opens when the window holds at least minAttempts and the failure rate is reached, saying why', () => {
    const { memory, transitions } = feed([
      [13, 12, 1],
      [0, 25, 2],
    ]);
    expect(transitions).toEqual([
      {
        from: 'closed',
        to: 'open',
        why: '37 of 50 attempts failed in 1m (opens at 50% of at least 20): open for 30s',
      },
    ]);
    expect(memory).toMatchObject({ state: 'open', since: new Date(T0 + 2000).toISOString() });
    expect(memory.buckets).toEqual([]);
  });

  it('stays closed below minAttempts, however many of them failed', () => {
    expect(feed([[0, 19, 1]]).memory.state).toBe('closed');
    expect(
      feed([
        [0, 19, 1],
        [0, 1, 2],
      ]).memory.state,
    ).toBe('open');
  });

  it('stays closed just below the failure rate, and opens exactly at it', () => {
    expect(feed([[11, 9, 1]]).memory.state).toBe('closed');
    expect(feed([[10, 10, 1]]).memory.state).toBe('open');
  });

  it('forgets outcomes older than the window', () => {
    // 15 failures, then 60 s later (out of the window) 5 more: 5 in the window, too few.
    expect(
      feed([
        [0, 15, 0],
        [0, 5, 60],
      ]).memory.state,
    ).toBe('closed');
    // 59 s later they are still in it: 20 failures.
    expect(
      feed([
        [0, 15, 0],
        [0, 5, 59],
      ]).memory.state,
    ).toBe('open');
    expect(
      feed([
        [0, 15, 0],
        [0, 0, 61],
      ]).memory.buckets,
    ).toEqual([]);
  });

  it('counts nothing reported while open: those attempts were on the wire when it opened', () => {
    const open = feed([[0, 20, 1]]).memory;
    expect(recordOutcomes(open, SETTINGS, { ok: 5, failed: 5, at: T0 + 3000 }, T0 + 3000)).toEqual({
      memory: open,
    });
  });

  it('half opens only once openFor has passed, saying so', () => {
    const open = feed([[0, 20, 1]]).memory;
    expect(maybeHalfOpen(open, SETTINGS, T0 + 30_999).transition).toBeUndefined();
    const half = maybeHalfOpen(open, SETTINGS, T0 + 31_000);
    expect(half.transition).toMatchObject({ from: 'open', to: 'half_open' });
    expect(half.transition!.why).toContain('3 success(es) close it, a failure reopens it');
    expect(maybeHalfOpen(FRESH_BREAKER, SETTINGS, T0).transition).toBeUndefined();
  });

  it('closes after `probes` successful probes with an empty window, and reopens on a failed probe', () => {
    const half = maybeHalfOpen(feed([[0, 20, 1]]).memory, SETTINGS, T0 + 31_000).memory;
    const closed = feed(
      [
        [2, 0, 32],
        [1, 0, 33],
      ],
      half,
    );
    expect(closed.transitions).toEqual([
      { from: 'half_open', to: 'closed', why: '3 probe(s) succeeded' },
    ]);
    expect(closed.memory.buckets).toEqual([]);
    const reopened = feed(
      [
        [2, 0, 32],
        [0, 1, 33],
      ],
      half,
    );
    expect(reopened.transitions).toEqual([
      { from: 'half_open', to: 'open', why: 'probe failed: reopened for 30s' },
    ]);
    expect(reopened.memory.since).toBe(new Date(T0 + 33_000).toISOString());
  });

  it('closes when turned off in the config', () => {
    const open = feed([[0, 20, 1]]).memory;
    expect(switchedOff(open, T0 + 2000).transition).toEqual({
      from: 'open',
      to: 'closed',
      why: 'the breaker is off in the config',
    });
  });

  it('opens exactly when the window, summed by hand, crosses the thresholds', () => {
    const report = fc.tuple(fc.nat(6), fc.nat(6), fc.nat(3));
    fc.assert(
      fc.property(fc.array(report, { maxLength: 40 }), (gaps) => {
        let memory: BreakerMemory = FRESH_BREAKER;
        let seconds = 0;
        const seen: [number, number, number][] = [];
        for (const [ok, failed, gap] of gaps) {
          seconds += gap;
          const at = T0 + seconds * 1000;
          seen.push([ok, failed, seconds]);
          const step = recordOutcomes(memory, SETTINGS, { ok, failed, at }, at);
          const inWindow = seen.filter(([, , s]) => s > seconds - 60);
          const sumOk = inWindow.reduce((n, [o]) => n + o, 0);
          const sumFailed = inWindow.reduce((n, [, f]) => n + f, 0);
          const shouldOpen =
            sumOk + sumFailed >= 20 && sumFailed / (sumOk + sumFailed) >= SETTINGS.failureRate;
          expect(step.memory.state).toBe(shouldOpen ? 'open' : 'closed');
          if (shouldOpen) return;
          expect(windowTotals(step.memory, SETTINGS, at)).toEqual({ ok: sumOk, failed: sumFailed });
          memory = step.memory;
        }
      }),
    );
  });
});

describe('breaker settings', () => {
  const target = (breaker?: unknown) => ({
    targets: { a: { request: { url: 'http://h/x' }, ...(breaker !== undefined && { breaker }) } },
  });

  it('are on by default, take percentages and durations, and are off with `off`', () => {
    expect(parseConfig(target({ failureRate: '25%', window: '5s' })).targets.a!.breaker).toEqual({
      failureRate: 0.25,
      minAttempts: 20,
      windowMs: 5_000,
      openForMs: 30_000,
      probes: 3,
    });
    expect(parseConfig(target('off')).targets.a!.breaker).toBeUndefined();
  });

  it('refuses bad settings by their path', () => {
    const issues = caught(ConfigError, () =>
      parseConfig(
        target({ failureRate: '150%', minAttempts: 0, window: '1h', openFor: 'soon', probes: 1.5 }),
      ),
    ).issues;
    expect(issues).toEqual([
      'targets.a.breaker.failureRate: must be a percentage like 50%, above 0% and at most 100%',
      'targets.a.breaker.minAttempts: must be >= 1',
      'targets.a.breaker.window: must be between 1s and 10m',
      'targets.a.breaker.openFor: must be a positive duration like 500ms, 5s or 10m',
      'targets.a.breaker.probes: must be a whole number',
    ]);
    expect(caught(ConfigError, () => parseConfig(target('on'))).issues).toEqual([
      'targets.a.breaker: must be off, or settings like { failureRate: 50%, minAttempts: 20 }',
    ]);
  });
});

describe('tandem targets', () => {
  it('shows an open breaker with since when and why, and no note for a closed one', () => {
    const since = '2026-11-23T10:58:02.123Z';
    const why = '37 of 50 attempts failed in 1m (opens at 50% of at least 20): open for 30s';
    const legs = { waiting: 0, paused: 0, held: 12 };
    const base = { applied: true, epoch: 1, effectiveRate: 0, runningDeliveries: 12, legs };
    const lines = formatTargets([
      {
        ...base,
        target: 'inventory',
        status: 'open',
        breaker: 'open',
        breakerChange: { since, why },
      },
      {
        ...base,
        target: 'shipping',
        status: 'closed',
        breaker: 'closed',
        breakerChange: { since, why: '3 probe(s) succeeded' },
        effectiveRate: null,
      },
    ]);
    expect(lines[1]).toMatch(/^inventory +open +2026-11-23 10:58:02Z +0 /);
    expect(lines[2]).toMatch(/^shipping +closed +- /);
    expect(lines.slice(3)).toEqual([
      '',
      `inventory: breaker open since 2026-11-23 10:58:02Z: ${why}`,
    ]);
  });
});
