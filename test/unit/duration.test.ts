import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/contract/duration';
import { formatRate, parseRate } from '../../src/contract/rate';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1.5s', 1_500],
    ['1.25m', 75_000],
    [' 30s ', 30_000],
    ['0s', 0],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 's', '5 s', '5sec', '-1s', '1h30m', '1.s', '.5s', '5S', 'ms5'])(
    'is undefined for %j, which is not a duration',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [1_500, '1500ms'],
    [5_000, '5s'],
    [90_000, '90s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
  ])('writes %i ms as %j, in the largest unit that divides it', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([500, 5_000, 90_000, 600_000, 3_600_000, 172_800_000])(
    'writes %i ms so that parseDuration reads it back',
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    },
  );
});

describe('parseRate and formatRate', () => {
  it.each([
    ['20/s', 20, '20/s'],
    ['0.5/s', 0.5, '30/m'],
    ['90/m', 1.5, '1.5/s'],
    ['1/m', 1 / 60, '1/m'],
    [' 10000/s ', 10_000, '10000/s'],
  ])('reads %j as %d per second, written back as %j', (text, perSecond, written) => {
    expect(parseRate(text)).toBeCloseTo(perSecond, 9);
    expect(formatRate(parseRate(text)!)).toBe(written);
  });

  it.each(['', '20', '/s', '0/s', '0/m', '-1/s', '20/h', '20 /s', '10001/s', 'none'])(
    'is undefined for %j, which is not a rate above 0 and within the limit',
    (text) => {
      expect(parseRate(text)).toBeUndefined();
    },
  );
});
