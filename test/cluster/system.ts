import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { stringify } from 'yaml';
import { TandemClient } from '../../src/client/client';
import { parseConfig } from '../../src/contract/config/load';
import type { TandemConfig } from '../../src/contract/config/schema';
import { connectClient, connectWorker } from '../../src/client/connection';
import { demoConfigDocument } from '../../src/demo/config';
import { startDemoTargets, type DemoTargets } from '../../src/demo/targets';
import { createWorkers } from '../../src/worker/worker';

/** A secret in the inventory target's header; it must never reach the cluster's history. */
export const INVENTORY_TOKEN = 'tok-cluster-s3cret-never-in-history';

let runtimeInstalled = false;

type Doc = ReturnType<typeof demoConfigDocument> & { temporal: Record<string, unknown> };

/** Demo targets, in-process workers and a client on the tier's cluster, over mTLS. */
export interface ClusterSystem {
  document: Doc;
  config: TandemConfig;
  targets: DemoTargets;
  client: TandemClient;
  connection: Connection;
  /** Writes the config as YAML (mTLS files included), for `tandem` child processes. */
  writeConfigFile(): Promise<string>;
  newId(prefix?: string): string;
  stop(): Promise<void>;
}

/** The tier's cluster as a config's `temporal` section: its address and mTLS files. */
export function clusterTemporal(taskQueue: string) {
  const { address, namespace, tls } = inject('cluster');
  return {
    address,
    namespace,
    taskQueue,
    tls: { ca: tls.serverCa, cert: tls.clientCert, key: tls.clientKey, serverName: tls.serverName },
  };
}

/** Starts demo targets and (unless `workers: false`) workers on a task queue of this test's own. */
export async function startClusterSystem(
  tune: (doc: Doc) => void = () => undefined,
  options: { workers?: boolean } = {},
): Promise<ClusterSystem> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  }
  const targets = await startDemoTargets();
  const taskQueue = `cluster-${randomUUID()}`;
  const doc = demoConfigDocument({
    targetsUrl: targets.url,
    address: 'set-below:7233',
    taskQueue,
  }) as Doc;
  doc.temporal = clusterTemporal(taskQueue);
  for (const target of Object.values(doc.targets)) {
    target.retry.initialInterval = '200ms';
    target.compensate.retry.initialInterval = '200ms';
  }
  tune(doc);
  const config = parseConfig(doc, 'cluster test config');
  const connection = await connectClient(config.temporal, {});
  const client = await TandemClient.connect(config, connection);
  let native: NativeConnection | undefined;
  let running: { shutdown(): void; done: Promise<void> } | undefined;
  if (options.workers !== false) {
    native = await connectWorker(config.temporal, {});
    const workers = await createWorkers({
      config,
      connection: native,
      env: { INVENTORY_TOKEN },
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    running = { shutdown: () => workers.shutdown(), done: workers.run() };
  }
  return {
    document: doc,
    config,
    targets,
    client,
    connection,
    async writeConfigFile() {
      const file = path.join(await mkdtemp(path.join(tmpdir(), 'tandem-')), 'tandem.config.yaml');
      await writeFile(file, stringify(doc));
      return file;
    },
    newId: (prefix = 'order') => `${prefix}-${randomUUID().slice(0, 8)}`,
    async stop() {
      running?.shutdown();
      await running?.done.catch(() => undefined);
      await targets.stop();
      await client.close();
      await connection.close();
      await native?.close();
    },
  };
}

/**
 * Polls `check` until it returns a value other than `undefined`. Unlike test/support/wait.ts's
 * `until`, a failed read counts as "not yet": here the cluster may be restarting a service.
 */
export async function untilAnswered<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} did not happen within ${timeoutMs / 1000} s (last error: ${String(last)})`,
      );
    }
    await sleep(250);
  }
}
