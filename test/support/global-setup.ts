import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startLocalTemporal } from '../../src/dev/local-system';
import { workflowsPath } from '../../src/worker/worker';
import { bundleWorkflows } from '../../src/worker/workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

/**
 * One real Temporal dev server (the local system's, see `startLocalTemporal`) and one workflow
 * bundle for the whole run: each test starts the rest of the local system on it with a task
 * queue and delivery ids of its own, so they share the server without seeing each other.
 */
export default async function setup(project: TestProject) {
  const server = await startLocalTemporal({
    cli: { env: process.env },
    log: (line) => console.log(line),
    // Each test's system is a Worker Deployment of its own: far more than a namespace's 100.
    extraArgs: ['--dynamic-config-value', 'matching.maxDeployments=100000'],
  });
  const code = await bundleWorkflows(workflowsPath, false);
  const bundlePath = path.resolve('test-results', 'workflow-bundle.js');
  await mkdir(path.dirname(bundlePath), { recursive: true });
  await writeFile(bundlePath, code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
  return () => server.stop();
}
