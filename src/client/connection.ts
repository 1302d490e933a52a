import { readFile } from 'node:fs/promises';
import { Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';
import type { TemporalSettings } from '../contract/config/schema';
import { ConfigError } from '../contract/errors';

type Env = Readonly<Record<string, string | undefined>>;

const ENV_REFERENCE = /^\$\{([A-Z_][A-Z0-9_]*)\}$/;

/**
 * The API key the config names: `${VAR}` is read from `env` (so the key stays out of the file),
 * anything else is the key itself. Never logged: {@link describeTemporal} only says there is one.
 */
export function resolveApiKey(temporal: TemporalSettings, env: Env): string | undefined {
  if (temporal.apiKey === undefined) return undefined;
  const variable = ENV_REFERENCE.exec(temporal.apiKey)?.[1];
  if (variable === undefined) return temporal.apiKey;
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new ConfigError('config', [
      `temporal.apiKey: \${${variable}} is not set in this process's environment`,
    ]);
  }
  return value;
}

/** Reads the TLS files the config names; every unreadable file is listed by its config path. */
export async function tlsConfig(
  temporal: TemporalSettings,
): Promise<TLSConfig | false | undefined> {
  const { tls } = temporal;
  if (tls === undefined) return undefined;
  // Said out loud, so an API key (which turns TLS on by default) can reach a plaintext server.
  if (tls === false) return false;
  if (tls === true) return {};
  const problems: string[] = [];
  const read = async (field: 'ca' | 'cert' | 'key') => {
    const file = tls[field];
    if (file === undefined) return undefined;
    try {
      return await readFile(file);
    } catch (error) {
      problems.push(`temporal.tls.${field}: cannot read ${file} (${(error as Error).message})`);
      return undefined;
    }
  };
  const [ca, crt, key] = await Promise.all([read('ca'), read('cert'), read('key')]);
  if (problems.length > 0) throw new ConfigError('config', problems);
  return {
    ...(tls.serverName !== undefined && { serverNameOverride: tls.serverName }),
    ...(ca !== undefined && { serverRootCACertificate: ca }),
    ...(crt !== undefined && key !== undefined && { clientCertPair: { crt, key } }),
  };
}

/** Options for a client `Connection` to the configured Temporal (TLS and API key included). */
export async function clientConnectionOptions(
  temporal: TemporalSettings,
  env: Env,
  extra: Omit<ConnectionOptions, 'address' | 'tls' | 'apiKey'> = {},
): Promise<ConnectionOptions> {
  const apiKey = resolveApiKey(temporal, env);
  const tls = await tlsConfig(temporal);
  return {
    ...extra,
    address: temporal.address,
    ...(tls !== undefined && { tls }),
    ...(apiKey !== undefined && { apiKey }),
  };
}

/** Options for a worker's `NativeConnection` to the configured Temporal. */
export async function nativeConnectionOptions(
  temporal: TemporalSettings,
  env: Env,
): Promise<NativeConnectionOptions> {
  const apiKey = resolveApiKey(temporal, env);
  const tls = await tlsConfig(temporal);
  return {
    address: temporal.address,
    ...(tls !== undefined && { tls }),
    ...(apiKey !== undefined && { apiKey }),
  };
}

/** Connects a client to the configured Temporal. */
export async function connectClient(
  temporal: TemporalSettings,
  env: Env,
  extra?: Omit<ConnectionOptions, 'address' | 'tls' | 'apiKey'>,
): Promise<Connection> {
  return Connection.connect(await clientConnectionOptions(temporal, env, extra));
}

/** Connects a worker connection to the configured Temporal. */
export async function connectWorker(
  temporal: TemporalSettings,
  env: Env,
): Promise<NativeConnection> {
  // Loaded on use: the worker package (its native core, rxjs) is no part of a client's start.
  const { NativeConnection } = await import('@temporalio/worker');
  return NativeConnection.connect(await nativeConnectionOptions(temporal, env));
}

/** `address (namespace N, mTLS, API key)`: how Tandem reaches Temporal, never the key itself. */
export function describeTemporal(temporal: TemporalSettings): string {
  const { tls } = temporal;
  const security =
    tls === undefined || tls === false
      ? []
      : [typeof tls === 'object' && tls.cert !== undefined ? 'mTLS' : 'TLS'];
  if (temporal.apiKey !== undefined) security.push('API key');
  return `${temporal.address} (namespace ${temporal.namespace}${security.map((s) => `, ${s}`).join('')})`;
}
