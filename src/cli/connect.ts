import type { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../contract/config/schema';
import { connectClient, connectWorker } from '../client/connection';

type Env = Readonly<Record<string, string | undefined>>;

/** How long connecting to Temporal may take before it counts as unreachable. */
const CONNECT_TIMEOUT = '5s';

/** Connects a client connection (TLS, API key), turning a refusal into a one-line reason. */
export async function connectCli(temporal: TemporalSettings, env: Env): Promise<Connection> {
  try {
    return await connectClient(temporal, env, { connectTimeout: CONNECT_TIMEOUT });
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new TemporalUnavailableError(temporal.address, 'no connection', { cause });
  }
}
import { ConfigError, TemporalUnavailableError } from '../contract/errors';

/** Connects a worker connection (TLS, API key), turning a refusal into a one-line reason. */
export async function connectNative(
  temporal: TemporalSettings,
  env: Env,
): Promise<NativeConnection> {
  try {
    return await connectWorker(temporal, env);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new TemporalUnavailableError(temporal.address, 'no connection', { cause });
  }
}
