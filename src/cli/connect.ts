import type { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../config/schema';
import { connectWorker } from '../connection';
import { ConfigError, TandemError } from '../errors';

/** Temporal is not reachable at the configured address. */
export class TemporalUnreachableError extends TandemError {
  override readonly name = 'TemporalUnreachableError';
  readonly code = 'TANDEM_TEMPORAL_UNREACHABLE';
  constructor(
    readonly address: string,
    options?: ErrorOptions,
  ) {
    super(
      `cannot reach Temporal at ${address}: start it (npm start runs a dev server) or fix temporal.address in the config`,
      options,
    );
  }
}

/** Connects a worker connection (TLS, API key), turning a refusal into a one-line reason. */
export async function connectNative(
  temporal: TemporalSettings,
  env: Readonly<Record<string, string | undefined>>,
): Promise<NativeConnection> {
  try {
    return await connectWorker(temporal, env);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new TemporalUnreachableError(temporal.address, { cause });
  }
}
