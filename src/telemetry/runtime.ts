import { Runtime, type Logger, type MetricsExporterConfig } from '@temporalio/worker';

/** What {@link installRuntime} sets up in the Temporal Runtime. */
export interface RuntimeTelemetryOptions {
  /** The SDK's logger; the SDK's default when absent. */
  logger?: Logger;
  /**
   * Where the SDK's metrics go, with Tandem's recorded through the runtime's meter (see
   * `runtimeMetricsOptions`); none when absent.
   */
  metrics?: MetricsExporterConfig;
}

/**
 * Installs the Temporal Runtime with Tandem's telemetry. Runs once per process, before any
 * worker or native connection is made (the Runtime is made then, with defaults, if not before).
 */
export function installRuntime(options: RuntimeTelemetryOptions): void {
  Runtime.install({
    ...(options.logger !== undefined && { logger: options.logger }),
    ...(options.metrics !== undefined && { telemetryOptions: { metrics: options.metrics } }),
  });
}
