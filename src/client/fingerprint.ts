import { createHash } from 'node:crypto';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * A digest of what a delivery asks for (its targets and payload), independent of key order, so
 * a second start with the same id can be told apart: same request → the same delivery; other
 * request → a conflict.
 */
export function requestFingerprint(targets: readonly string[], payload: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical({ targets: [...targets].sort(), payload })))
    .digest('hex');
}
