import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';
import { ConfigError } from '../contract/errors';

/**
 * The workflow code a worker runs, bundled ahead of time by `npm run build` beside the built
 * worker: a worker started from the build skips the bundling (seconds of webpack at every
 * start, and the tens of MiB webpack leaves in the heap). There are two bundles, since a config
 * with a `codec` section needs the encrypting failure converter inside the bundle.
 */
export function bundleFileName(encrypting: boolean): string {
  return encrypting ? 'workflows.encrypting.bundle.js' : 'workflows.bundle.js';
}

/**
 * The environment variable naming a folder of prebuilt bundles (as `npm run build` writes them)
 * for a worker run from source, which would otherwise bundle at every start.
 */
export const BUNDLE_DIR_ENV = 'TANDEM_WORKFLOW_BUNDLE_DIR';

/**
 * The prebuilt bundle a worker runs: from the folder `BUNDLE_DIR_ENV` names (it must hold the
 * one this config needs), else from `builtDir` (the built worker's folder) when the build wrote
 * one there.
 */
export function bundleFor(
  encrypting: boolean,
  env: Readonly<Record<string, string | undefined>>,
  builtDir: string,
): WorkerOptions['workflowBundle'] | undefined {
  const dir = env[BUNDLE_DIR_ENV];
  if (!dir) return prebuiltBundle(encrypting, builtDir);
  const named = prebuiltBundle(encrypting, dir);
  if (named) return named;
  throw new ConfigError('worker settings', [
    `${BUNDLE_DIR_ENV}: ${dir} holds no ${bundleFileName(encrypting)}: write it with npm run build (it lands in dist/worker/), or unset ${BUNDLE_DIR_ENV} to bundle at start`,
  ]);
}

/** The prebuilt bundle in `dir` (the built worker's folder), when the build wrote one. */
export function prebuiltBundle(
  encrypting: boolean,
  dir: string,
): WorkerOptions['workflowBundle'] | undefined {
  const codePath = path.join(dir, bundleFileName(encrypting));
  return existsSync(codePath) ? { codePath } : undefined;
}

/**
 * The code a worker runs: the bundle given or prebuilt (`npm run build`), else the workflows at
 * `workflowsPath` bundled now, as the worker would at start. Held as text so the build id can
 * be derived from exactly the code that runs.
 */
export async function workflowCode(
  given: WorkerOptions['workflowBundle'] | undefined,
  workflowsPath: string,
  encrypting: boolean,
): Promise<string> {
  if (given === undefined) return bundleWorkflows(workflowsPath, encrypting);
  return 'code' in given ? given.code : readFile(given.codePath, 'utf8');
}

/**
 * The workflow interceptors every bundle installs (tracing, see the module). Named with this
 * file's own extension so it resolves from source (`.ts`) and from the build (`.js`) alike.
 */
export const TRACING_INTERCEPTORS_PATH = path.join(
  __dirname,
  '..',
  'workflows',
  `tracing-interceptors${path.extname(__filename)}`,
);

/**
 * Bundles the workflows at `workflowsPath`, encrypting or not, as a worker would at start, with
 * the tracing interceptors; only the bundler's errors are printed (its notes and warnings about
 * optional modules are not).
 */
export async function bundleWorkflows(workflowsPath: string, encrypting: boolean): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [TRACING_INTERCEPTORS_PATH],
    ...(encrypting && { failureConverterPath: FAILURE_CONVERTER_PATH }),
    logger: BUNDLER_LOGGER,
  });
  return code;
}

/** The bundler's logger that prints its errors only. */
export const BUNDLER_LOGGER = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};
