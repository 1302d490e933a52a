import { NativeConnection } from '@temporalio/worker';
import { TandemError } from '../errors';

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

/** Connects a worker connection, turning a refusal into a one-line reason. */
export async function connectNative(address: string): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address });
  } catch (cause) {
    throw new TemporalUnreachableError(address, { cause });
  }
}
