import { Runtime, type MetricsExporterConfig } from '@temporalio/worker';
import type { Logger } from 'pino';
import { sdkLevelOf, SdkLogAdapter } from './log';

/** What {@link installRuntime} sets up in the Temporal Runtime. */
export interface RuntimeTelemetryOptions {
  /** The process's logger: the SDK's lines (TypeScript and Core alike) go to it. */
  logger: Logger;
  /** SDK messages to leave out, where the product tells the same thing (`tandem dev`). */
  dropMessages?: readonly string[];
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
  // Core filters before forwarding: it sends nothing the logger would drop.
  const level = sdkLevelOf(options.logger.level);
  Runtime.install({
    logger: new SdkLogAdapter(options.logger, new Set(options.dropMessages)),
    telemetryOptions: {
      logging: { filter: { core: level, other: level }, forward: {} },
      ...(options.metrics !== undefined && { metrics: options.metrics }),
    },
  });
}
