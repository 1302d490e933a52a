import type { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../contract/config/schema';
import { connectWorker } from '../client/connection';
import { ConfigError, TemporalUnavailableError } from '../contract/errors';

/** Connects a worker connection (TLS, API key), turning a refusal into a one-line reason. */
export async function connectNative(
  temporal: TemporalSettings,
  env: Readonly<Record<string, string | undefined>>,
): Promise<NativeConnection> {
  try {
    return await connectWorker(temporal, env);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new TemporalUnavailableError(temporal.address, 'no connection', { cause });
  }
}
