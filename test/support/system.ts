import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NativeConnection } from '@temporalio/worker';
import { stringify } from 'yaml';
import { inject } from 'vitest';
import {
  startLocalSystem,
  type DemoConfigDocument,
  type LocalSystem,
  type LocalWorkerOptions,
  type RunningWorkers,
} from '../../src/dev/local-system';
import type { TandemConfig } from '../../src/contract/config/schema';
import { createWorkers } from '../../src/worker/worker';
import { installQuietRuntime } from './runtime';

/** A secret the tests put in the inventory target's header; it must never reach history. */
export const INVENTORY_TOKEN = 'tok-s3cret-never-in-history';

export type { RunningWorkers };

/** Everything one test drives: real demo targets, real workers, a client, on the shared server. */
export interface System extends Omit<LocalSystem, 'startWorkers' | 'server' | 'workers'> {
  /** Starts (another) worker process-equivalent over the same config. */
  startWorkers(
    options?: LocalWorkerOptions['workerOptions'],
    concurrencyPerTarget?: number,
  ): Promise<RunningWorkers>;
  /** Writes the config document as YAML to a new temp file, for `tandem` child processes. */
  writeConfigFile(): Promise<string>;
  /** A fresh delivery id for this test. */
  newId(prefix?: string): string;
}

/**
 * A `tune` that sends inventory's create and undo an `X-Canary` header from `${variable}`: a
 * secret the test then looks for where it must never appear (logs, spans, metric labels).
 */
export function canaryHeaders(variable: string): (doc: DemoConfigDocument) => void {
  return (doc) => {
    const inventory = doc.targets.inventory as {
      request: { headers?: Record<string, string> };
      compensate: { headers?: Record<string, string> };
    };
    const header = { 'X-Canary': `\${${variable}}` };
    inventory.request.headers = { ...inventory.request.headers, ...header };
    inventory.compensate.headers = header;
  };
}

/**
 * Starts the local system on the suite's shared server: demo targets and workers on a task
 * queue of this test's own. `tune` edits the demo config document (retry policies, timeouts)
 * before it is validated like a user's file.
 */
export async function startSystem(
  tune: (doc: DemoConfigDocument) => void = () => undefined,
  options: {
    workers?: boolean;
    /** More of the workers' and client's environment (codec keys), beside `INVENTORY_TOKEN`. */
    env?: Readonly<Record<string, string>>;
    /** A workflow bundle of the test's own (one built with an encrypting failure converter). */
    workflowBundlePath?: string;
  } = {},
): Promise<System> {
  installQuietRuntime();
  const workerOptions = (
    extra?: LocalWorkerOptions['workerOptions'],
    concurrencyPerTarget?: number,
  ): LocalWorkerOptions => ({
    workflowBundle: { codePath: options.workflowBundlePath ?? inject('workflowBundlePath') },
    // Every workflow task replays the whole history: non-determinism shows in every test.
    workerOptions: { maxCachedWorkflows: 0, ...extra },
    ...(concurrencyPerTarget !== undefined && { concurrencyPerTarget }),
  });
  const system = await startLocalSystem({
    temporal: { address: inject('temporalAddress') },
    taskQueue: `test-${randomUUID()}`,
    configSource: 'test config',
    tune: (doc) => {
      // Tests wait seconds, not the demo's defaults. Tests of other behaviours fail targets on
      // purpose, many times a minute: the breaker (on by default) would hold their legs, so it is
      // off unless a test turns it on.
      for (const target of Object.values(doc.targets)) {
        target.retry.initialInterval = '200ms';
        target.compensate.retry.initialInterval = '200ms';
        Object.assign(target, { breaker: 'off' });
      }
      tune(doc);
    },
    env: { INVENTORY_TOKEN, ...options.env },
    workers: options.workers === false ? false : workerOptions(),
  });

  return {
    document: system.document,
    config: system.config,
    targets: system.targets,
    client: system.client,
    connection: system.connection,
    nativeConnection: system.nativeConnection,
    starts: system.starts,
    startWorkers: (extra, concurrencyPerTarget) =>
      system.startWorkers(workerOptions(extra, concurrencyPerTarget)),
    async writeConfigFile() {
      const file = path.join(await mkdtemp(path.join(tmpdir(), 'tandem-')), 'tandem.config.yaml');
      await writeFile(file, stringify(system.document));
      return file;
    },
    newId: (prefix = 'order') => `${prefix}-${randomUUID().slice(0, 8)}`,
    stop: () => system.stop(),
  };
}

/**
 * Runs Tandem's workers for `config` over a connection of the test's own (one it watches, or a
 * config it changed) while `use` runs, then stops them.
 */
export async function withWorkers<T>(
  config: TandemConfig,
  connection: NativeConnection,
  use: () => Promise<T>,
): Promise<T> {
  const workers = await createWorkers({
    config,
    connection,
    env: { INVENTORY_TOKEN },
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const running = workers.run();
  try {
    return await use();
  } finally {
    workers.shutdown();
    await running;
  }
}
