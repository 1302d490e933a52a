import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startCluster, stopCluster } from '../../src/cluster/cluster';
import type { ClusterTls } from '../../src/cluster/state';
import { demoConfigDocument } from '../../src/demo/config';
import { startDemoTargets } from '../../src/demo/targets';
import { workflowsPath } from '../../src/worker/worker';
import { bundleWorkflows } from '../../src/worker/workflow-bundle';
import { makeCertificates } from './certs';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: {
      dir: string;
      address: string;
      namespace: string;
      tls: ClusterTls;
      gatewayUrl: string;
      gatewayKey: string;
      /** The demo targets the cluster's own worker processes and gateway deliver to. */
      targetsUrl: string;
      /** The Jaeger the cluster's worker processes and gateway send their traces to. */
      tracesUrl: string;
    };
    workflowBundlePath: string;
  }
}

/**
 * One cluster for the whole tier, with mTLS on its frontend: PostgreSQL, Temporal's four
 * services as processes, the UI, two `tandem worker` processes and the gateway, started the way
 * `tandem cluster` starts them. Tests own their task queues and ids; fault tests kill and
 * restart its processes through the same state folder `tandem cluster down` reads.
 */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'tandem-cluster-tier-'));
  // PostgreSQL runs as its own user (initdb refuses root): it must reach the folder below.
  await chmod(dir, 0o755);
  const tlsDir = path.join(dir, 'tls');
  await mkdir(tlsDir);
  const tls = makeCertificates(tlsDir);
  const targets = await startDemoTargets();
  const configPath = path.join(dir, 'targets.yaml');
  await writeFile(
    configPath,
    stringify(
      demoConfigDocument({ targetsUrl: targets.url, address: 'replaced-by-the-cluster:7233' }),
    ),
  );
  const env = { ...process.env, INVENTORY_TOKEN: 'tok-cluster-gateway' };
  const cluster = await startCluster({
    dir: path.join(dir, 'state'),
    configPath,
    env,
    log: (line) => console.log(line),
    workers: 2,
    ports: { frontend: 0, ui: 0, gateway: 0 },
    tls,
    traces: true,
  });
  console.log(
    `cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.address} (mTLS)`,
  );
  const code = await bundleWorkflows(workflowsPath, false);
  const bundlePath = path.resolve('test-results', 'cluster-workflow-bundle.js');
  await mkdir(path.dirname(bundlePath), { recursive: true });
  await writeFile(bundlePath, code);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('cluster', {
    dir: cluster.state.dir,
    address: cluster.address,
    namespace: cluster.state.namespace,
    tls,
    gatewayUrl: cluster.gatewayUrl,
    gatewayKey: cluster.state.gatewayKey,
    targetsUrl: targets.url,
    tracesUrl: cluster.tracesUrl!,
  });
  return async () => {
    await stopCluster(cluster.state.dir, env);
    await targets.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
