/** How the contract judges one answer. */
export type Verdict = 'success' | 'transient' | 'permanent';

const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
// The three HTTP-date forms start with a day name and carry a time; Date.parse alone would
// also read values such as "1.5" or "-5" as dates in 2001.
const HTTP_DATE = /^[A-Za-z]{3,9},?\s.*\b\d{2}:\d{2}:\d{2}\b/;

/**
 * Judges a target's answer by the contract's table: a listed success status (default 2xx)
 * succeeds; 408, 425, 429, 500, 502, 503 and 504 are retried; anything else (other 4xx, 501,
 * 505, redirects) is permanent.
 */
export function judgeStatus(status: number, successStatuses?: readonly number[]): Verdict {
  const success = successStatuses
    ? successStatuses.includes(status)
    : status >= 200 && status < 300;
  if (success) return 'success';
  return TRANSIENT_STATUSES.has(status) ? 'transient' : 'permanent';
}

/** Judges a compensation's answer: 2xx succeeds, and 404 counts as done (nothing to undo). */
export function judgeCompensationStatus(status: number): Verdict {
  return status === 404 ? 'success' : judgeStatus(status);
}

/**
 * Reads `Retry-After` (delay-seconds or an HTTP date) as milliseconds from `nowMs`, or
 * `undefined` when absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = HTTP_DATE.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
