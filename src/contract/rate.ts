/**
 * A target's rate limit as people write it (`20/s`, `90/m`) and as the server takes it
 * (requests per second). Pure: the config, the CLI, the gateway and the controller read it.
 */
import { MAX_RATE_LIMIT_PER_SECOND } from './limits';

const RATE = /^(\d+(?:\.\d+)?)\/(s|m)$/;
const PER_SECOND = { s: 1, m: 1 / 60 } as const;

/** What a rate must look like, for messages. */
export const RATE_FORMAT = `a rate like 20/s or 90/m, above 0 and at most ${MAX_RATE_LIMIT_PER_SECOND}/s`;

/**
 * Parses `20/s` or `90/m` into requests per second, or returns `undefined` when the text is not
 * a rate above 0 and at most {@link MAX_RATE_LIMIT_PER_SECOND}/s.
 */
export function parseRate(text: string): number | undefined {
  const match = RATE.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match as unknown as [string, string, keyof typeof PER_SECOND];
  const perSecond = Number(amount) * PER_SECOND[unit];
  return perSecond > 0 && perSecond <= MAX_RATE_LIMIT_PER_SECOND ? perSecond : undefined;
}

/** Formats requests per second as people write it: per minute when below one per second. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1) return `${Number(perSecond.toFixed(3))}/s`;
  return `${Number((perSecond * 60).toFixed(3))}/m`;
}
