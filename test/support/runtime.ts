import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/**
 * Installs the Temporal runtime once per test process, before any connection or worker, with
 * only errors logged: failing attempts are what many tests are about, and their warnings would
 * bury the output. Later calls do nothing.
 */
export function installQuietRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
}
