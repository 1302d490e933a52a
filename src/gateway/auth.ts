import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayConfig } from '../config/schema';
import { GatewaySetupError } from '../errors';

/** Shortest API key accepted: a shorter one could be guessed. */
export const MIN_API_KEY_LENGTH = 16;

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * The keys the gateway accepts: `TANDEM_API_KEYS` (comma-separated) and `gateway.apiKeys` from the
 * config, together. Throws a {@link GatewaySetupError} for a key too short to be safe; the
 * error names where the key came from, never the key.
 */
export function apiKeysFrom(
  gateway: GatewayConfig,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const fromEnv = (env.TANDEM_API_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  const short = fromEnv.findIndex((key) => key.length < MIN_API_KEY_LENGTH);
  if (short !== -1) {
    throw new GatewaySetupError(
      `TANDEM_API_KEYS: key ${short + 1} is shorter than ${MIN_API_KEY_LENGTH} characters; ` +
        'use long random keys (e.g. `openssl rand -hex 24`).',
    );
  }
  return [...new Set([...fromEnv, ...(gateway.apiKeys ?? [])])];
}

/**
 * Checks presented API keys in constant time: each key is compared by its SHA-256 digest (equal
 * lengths, so `timingSafeEqual` applies) against every accepted key, without stopping at a match.
 * Keys are never logged or kept in plain text here.
 */
export class ApiKeys {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** False when no key is configured: the gateway then lets every request in. */
  get required(): boolean {
    return this.digests.length > 0;
  }

  /** Whether `key` is one of the accepted keys. */
  accepts(key: string): boolean {
    const presented = digest(key);
    let found = false;
    for (const accepted of this.digests) found = timingSafeEqual(presented, accepted) || found;
    return found;
  }
}

/**
 * The name an operator action from this key is kept under in the run's history. Keys have no
 * names of their own, so it is a stable, non-secret label: the first 12 hex digits of the key's
 * SHA-256 (`key:3f2a9c…`); with no key presented, `gateway (no API key)`.
 */
export function callerLabel(key: string | undefined): string {
  return key === undefined
    ? 'gateway (no API key)'
    : `key:${digest(key).toString('hex').slice(0, 12)}`;
}

/**
 * The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. Undefined
 * when it presents none.
 */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? '';
  }
  const header = headers['x-api-key'];
  return Array.isArray(header) ? header[0] : header;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
