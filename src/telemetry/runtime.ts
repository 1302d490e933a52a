import { Runtime, type Logger, type MetricsExporterConfig } from '@temporalio/worker';

/** What a process's Temporal runtime is installed with. */
export interface RuntimeSetup {
  /** Where the SDK's metrics (and Tandem's, through the runtime's meter) go; none when absent. */
  metrics?: MetricsExporterConfig;
  /** The SDK's logger; the SDK's default when absent. */
  logger?: Logger;
}

/**
 * Installs this process's Temporal runtime: once, before any connection or worker (the SDK
 * refuses a second install, and creates a default runtime for the first connection otherwise).
 */
export function installRuntime(setup: RuntimeSetup): Runtime {
  return Runtime.install({
    ...(setup.logger !== undefined && { logger: setup.logger }),
    ...(setup.metrics !== undefined && { telemetryOptions: { metrics: setup.metrics } }),
  });
}
