import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayConfig } from '../contract/config/schema';
import { GatewaySetupError } from '../contract/errors';

/** Shortest API key accepted: a shorter one could be guessed. */
export const MIN_API_KEY_LENGTH = 16;

/**
 * What a key may do: `deliver` starts deliveries, `read` reads them (and decodes payloads through
 * the codec route), `operate` cancels, retries and resolves them.
 */
export const SCOPES = ['deliver', 'read', 'operate'] as const;
/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

/** An accepted key: its name (kept in the audit trail, never the key) and what it may do. */
export interface ApiKey {
  readonly name: string;
  readonly key: string;
  readonly scopes: readonly Scope[];
}

type Env = Readonly<Record<string, string | undefined>>;

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function tooShort(where: string): GatewaySetupError {
  return new GatewaySetupError(
    `${where}: the key is shorter than ${MIN_API_KEY_LENGTH} characters; ` +
      'use long random keys (e.g. `openssl rand -hex 24`).',
  );
}

/**
 * Parses keys in the `TANDEM_API_KEYS` form, one per comma (or line, in a keys file): `KEY` (a
 * key of every scope, named `<where>.<n>`) or `NAME:SCOPE+SCOPE:KEY`
 * (`ci-bot:deliver+read:…`). Errors name the entry by its place, never its key.
 */
export function parseKeyList(text: string, where: string): ApiKey[] {
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'));
  return entries.map((entry, index) => {
    const at = `${where}: entry ${index + 1}`;
    const parts = entry.split(':');
    if (parts.length === 1) {
      if (entry.length < MIN_API_KEY_LENGTH) throw tooShort(at);
      return { name: `${where}.${index + 1}`, key: entry, scopes: SCOPES };
    }
    const [name = '', scopeText = '', ...rest] = parts;
    const key = rest.join(':');
    if (!KEY_NAME.test(name)) {
      throw new GatewaySetupError(
        `${at}: "${name}" is not a key name (1-64 letters, digits, ".", "_", "-"); write NAME:SCOPES:KEY`,
      );
    }
    const scopes = scopeText.split('+');
    const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0 || rest.length === 0) {
      throw new GatewaySetupError(
        `${at} (${name}): scopes must be ${SCOPES.join(', ')} joined by "+", as NAME:SCOPES:KEY` +
          (unknown.length > 0 ? `; "${unknown.join('", "')}" is not one` : ''),
      );
    }
    if (key.length < MIN_API_KEY_LENGTH) throw tooShort(`${at} (${name})`);
    return { name, key, scopes: scopes as Scope[] };
  });
}

/**
 * The keys the gateway accepts: `gateway.apiKeys` from the config (a plain string is a key of
 * every scope, kept from before keys had scopes; `{ name, key, scopes }` with `key` as `${VAR}`
 * is read from `env`), then `TANDEM_API_KEYS`, then the text of `TANDEM_API_KEYS_FILE` when
 * given (`keysFile`, re-read on SIGHUP). Throws a {@link GatewaySetupError} naming where a key is
 * unusable (too short, unset, a name used twice), never the key.
 */
export function apiKeysFrom(gateway: GatewayConfig, env: Env, keysFile?: string): ApiKey[] {
  const fromConfig = (gateway.apiKeys ?? []).map((entry, index): ApiKey => {
    if (typeof entry === 'string') {
      return { name: `gateway.apiKeys.${index}`, key: entry, scopes: SCOPES };
    }
    const variable = ENV_REFERENCE.exec(entry.key)?.[1];
    const key = variable === undefined ? entry.key : env[variable];
    const where = `gateway.apiKeys.${index}.key (${entry.name})`;
    if (key === undefined || key === '') {
      throw new GatewaySetupError(
        `${where}: \${${variable}} is not set in this process's environment`,
      );
    }
    if (key.length < MIN_API_KEY_LENGTH) throw tooShort(where);
    return { name: entry.name, key, scopes: entry.scopes };
  });
  const all = [
    ...fromConfig,
    ...parseKeyList(env.TANDEM_API_KEYS ?? '', 'TANDEM_API_KEYS'),
    ...(keysFile === undefined ? [] : parseKeyList(keysFile, 'TANDEM_API_KEYS_FILE')),
  ];
  // The same key given twice is one key, as named where it was first given.
  const keys = all.filter((k, index) => all.findIndex((other) => other.key === k.key) === index);
  const names = keys.map((k) => k.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw new GatewaySetupError(`API key name "${repeated}" is used twice; names must be unique.`);
  }
  return keys;
}

/**
 * Checks presented API keys in constant time: each key is compared by its SHA-256 digest (equal
 * lengths, so `timingSafeEqual` applies) against every accepted key, without stopping at a match.
 * Keys are never logged or kept in plain text here. {@link replace} swaps the whole set at once
 * (a reload), so a request sees the old keys or the new ones, never a mix.
 */
export class ApiKeys {
  private entries: readonly { digest: Buffer; key: ApiKey }[] = [];

  constructor(keys: readonly ApiKey[]) {
    this.replace(keys);
  }

  /** Accepts these keys from now on, and no others. */
  replace(keys: readonly ApiKey[]): void {
    this.entries = keys.map((key) => ({ digest: digest(key.key), key }));
  }

  /** False when no key is configured: the gateway then lets every request in. */
  get required(): boolean {
    return this.entries.length > 0;
  }

  /** The accepted key named `name`, if any (names are unique). */
  named(name: string): ApiKey | undefined {
    return this.entries.find((entry) => entry.key.name === name)?.key;
  }

  /** The accepted key that `presented` is, if any. */
  find(presented: string): ApiKey | undefined {
    const candidate = digest(presented);
    let found: ApiKey | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(candidate, entry.digest) && found === undefined) found = entry.key;
    }
    return found;
  }
}

/**
 * The name an operator action through the gateway is kept under in the run's history: the key's
 * name (`key:oncall`), never the key; with no key required, `gateway (no API key)`.
 */
export function callerLabel(key: ApiKey | undefined): string {
  return key === undefined ? 'gateway (no API key)' : `key:${key.name}`;
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

/**
 * Whether a request's `Host` (`name[:port]`, `[v6]:port`) names this machine's loopback or one
 * of `hosts` (lower-case names). A request without one names nothing.
 */
export function isServedHost(host: string | undefined, hosts: readonly string[]): boolean {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(host ?? '');
  const name = (match?.[1] ?? match?.[2])?.toLowerCase();
  return name !== undefined && (isLoopback(name) || hosts.includes(name));
}
