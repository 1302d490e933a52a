import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startLocalTemporal } from '../../src/dev/local-system';
import { workflowsPath } from '../../src/worker/worker';
import { BUNDLE_DIR_ENV, bundleFileName, bundleWorkflows } from '../../src/worker/workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
    /** The bundle with the encrypting failure converter, as a worker with a `codec` builds it. */
    encryptingWorkflowBundlePath: string;
  }
}

/** Where the run's bundles go, named as `npm run build` names them. */
const BUNDLE_DIR = path.resolve('test-results', 'bundles');

/** Bundles the workflows as a worker would, into {@link BUNDLE_DIR}; returns the path. */
async function writeBundle(encrypting: boolean): Promise<string> {
  const code = await bundleWorkflows(workflowsPath, encrypting);
  const bundlePath = path.join(BUNDLE_DIR, bundleFileName(encrypting));
  await mkdir(path.dirname(bundlePath), { recursive: true });
  await writeFile(bundlePath, code);
  return bundlePath;
}

/**
 * One real Temporal dev server (the local system's, see `startLocalTemporal`) and the two
 * workflow bundles for the whole run, built while the server starts: each test starts the rest
 * of the local system on it with a task queue and delivery ids of its own, so they share the
 * server without seeing each other.
 */
export default async function setup(project: TestProject) {
  // Every `tandem worker` a test spawns serves its metrics on loopback, at a port of its own.
  process.env.TANDEM_METRICS_ADDRESS ??= '127.0.0.1:0';
  // … and runs the bundles built here instead of bundling the workflows again at its start.
  process.env[BUNDLE_DIR_ENV] = BUNDLE_DIR;
  const [server, plain, encrypting] = await Promise.all([
    startLocalTemporal({
      cli: { env: process.env },
      log: (line) => console.log(line),
      // Each test's system is a Worker Deployment of its own: far more than a namespace's 100.
      extraArgs: ['--dynamic-config-value', 'matching.maxDeployments=100000'],
    }),
    writeBundle(false),
    writeBundle(true),
  ]);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', plain);
  project.provide('encryptingWorkflowBundlePath', encrypting);
  return () => server.stop();
}
