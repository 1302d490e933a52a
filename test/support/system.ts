import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { inject } from 'vitest';
import { TandemClient } from '../../src/client';
import { parseConfig } from '../../src/config/load';
import type { TandemConfig } from '../../src/config/schema';
import { demoConfigDocument } from '../../src/demo/config';
import { startDemoTargets, type DemoTargets } from '../../src/demo/targets';
import { createWorkers, type TandemWorkers } from '../../src/worker';

/** A secret the tests put in the inventory target's header; it must never reach history. */
export const INVENTORY_TOKEN = 'tok-s3cret-never-in-history';

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

type Doc = ReturnType<typeof demoConfigDocument>;

/** Everything one test drives: real demo targets, real workers, a client, on the shared server. */
export interface System {
  /** The config document as a user would write it, before validation. */
  document: Doc;
  config: TandemConfig;
  targets: DemoTargets;
  client: TandemClient;
  connection: Connection;
  nativeConnection: NativeConnection;
  /** Starts (another) worker process-equivalent over the same config. */
  startWorkers(
    options?: Parameters<typeof createWorkers>[0]['workerOptions'],
    concurrencyPerTarget?: number,
  ): Promise<RunningWorkers>;
  /** Writes the config document as YAML to a new temp file, for `tandem` child processes. */
  writeConfigFile(): Promise<string>;
  /** A fresh delivery id for this test. */
  newId(prefix?: string): string;
  stop(): Promise<void>;
}

export interface RunningWorkers {
  workers: TandemWorkers;
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts demo targets and workers on a task queue of this test's own. `tune` edits the demo
 * config document (retry policies, timeouts) before it is validated like a user's file.
 */
export async function startSystem(
  tune: (doc: Doc) => void = () => undefined,
  options: { workers?: boolean } = {},
): Promise<System> {
  quietRuntime();
  const address = inject('temporalAddress');
  const targets = await startDemoTargets();
  const doc = demoConfigDocument({
    targetsUrl: targets.url,
    address,
    taskQueue: `test-${randomUUID()}`,
  });
  // Tests wait seconds, not the demo's defaults.
  for (const target of Object.values(doc.targets)) {
    target.retry.initialInterval = '200ms';
    target.compensate.retry.initialInterval = '200ms';
  }
  tune(doc);
  const config = parseConfig(doc, 'test config');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = await TandemClient.connect(config, connection);
  const running: RunningWorkers[] = [];

  const startWorkers: System['startWorkers'] = async (workerOptions, concurrencyPerTarget) => {
    const workers = await createWorkers({
      config,
      ...(concurrencyPerTarget !== undefined && { concurrencyPerTarget }),
      connection: nativeConnection,
      env: { INVENTORY_TOKEN },
      workflowBundle: { codePath: inject('workflowBundlePath') },
      workerOptions: { maxCachedWorkflows: 0, ...workerOptions },
    });
    const done = workers.run();
    const handle = {
      workers,
      done,
      stop: async () => {
        workers.shutdown();
        await done;
      },
    };
    running.push(handle);
    return handle;
  };
  if (options.workers !== false) await startWorkers();

  return {
    document: doc,
    config,
    targets,
    client,
    connection,
    nativeConnection,
    startWorkers,
    async writeConfigFile() {
      const file = path.join(await mkdtemp(path.join(tmpdir(), 'tandem-')), 'tandem.config.yaml');
      await writeFile(file, stringify(doc));
      return file;
    },
    newId: (prefix = 'order') => `${prefix}-${randomUUID().slice(0, 8)}`,
    async stop() {
      await Promise.all(running.map((r) => r.stop().catch(() => undefined)));
      await targets.stop();
      await client.close();
      await connection.close();
      await nativeConnection.close();
    },
  };
}
