import { z } from 'zod';
import { parseDuration } from '../duration';

/** A config duration (`500ms`, `5s`, `10m`, `1h`, or milliseconds), parsed to milliseconds. */
export const duration = z
  .union([z.string(), z.number()], { error: 'must be a duration like 500ms, 5s, 10m or 1h' })
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a positive duration like 500ms, 5s or 10m',
      });
      return z.NEVER;
    }
    return ms;
  });
