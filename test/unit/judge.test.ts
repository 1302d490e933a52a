import { describe, expect, it } from 'vitest';
import { judgeCompensationStatus, judgeStatus, parseRetryAfter } from '../../src/http/judge';

describe('judgeStatus with the default success statuses', () => {
  it.each([200, 201, 202, 204, 299])('judges %i a success', (status) => {
    expect(judgeStatus(status)).toBe('success');
  });

  it.each([408, 425, 429, 500, 502, 503, 504])('judges %i transient, to be retried', (status) => {
    expect(judgeStatus(status)).toBe('transient');
  });

  it.each([
    [301, 'a redirect'],
    [302, 'a redirect'],
    [304, 'not modified'],
    [307, 'a redirect'],
    [400, 'a bad request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not found'],
    [409, 'a conflict'],
    [422, 'an unprocessable body'],
    [501, 'not implemented'],
    [505, 'an unsupported HTTP version'],
    [100, 'an informational status'],
  ])('judges %i (%s) permanent', (status) => {
    expect(judgeStatus(status)).toBe('permanent');
  });
});

describe('judgeStatus with a declared successStatuses list', () => {
  const successStatuses = [200, 201, 409];

  it.each([200, 201, 409])('judges the listed %i a success', (status) => {
    expect(judgeStatus(status, successStatuses)).toBe('success');
  });

  it.each([
    [202, 'permanent'],
    [204, 'permanent'],
    [404, 'permanent'],
    [503, 'transient'],
    [429, 'transient'],
  ] as const)('judges the unlisted %i %s', (status, verdict) => {
    expect(judgeStatus(status, successStatuses)).toBe(verdict);
  });
});

describe('judgeCompensationStatus', () => {
  it.each([
    [200, 'success'],
    [204, 'success'],
    [404, 'success'],
    [409, 'permanent'],
    [410, 'permanent'],
    [503, 'transient'],
    [429, 'transient'],
    [302, 'permanent'],
  ] as const)('judges an undo answered %i %s', (status, verdict) => {
    expect(judgeCompensationStatus(status)).toBe(verdict);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 3 ', 3_000],
  ])('reads delay-seconds %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each(['Sat, 01 Mar 2025 12:00:30 GMT', 'Saturday, 01-Mar-25 12:00:30 GMT'])(
    'reads the HTTP date %j in the future as the time until it',
    (value) => {
      expect(parseRetryAfter(value, now)).toBe(30_000);
    },
  );

  it('reads an HTTP date in the past as no wait', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:59:00 GMT', now)).toBe(0);
  });

  it('is undefined when the header is absent', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it.each(['', 'soon', 'later please', '5 seconds', '-5', '1.5', 'in 5', 'abc 12'])(
    'is undefined for the unreadable value %j',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});
