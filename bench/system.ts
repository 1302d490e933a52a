/**
 * The processes a row runs against: the dev server and the targets for the whole bench, the
 * worker process restarted only when a row's setup changes what it runs with, and the gateway
 * for the rows that go through it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { TandemClient } from '../src/client/client';
import { parseConfig } from '../src/contract/config/load';
import { freePort } from '../src/host/machine';
import { workflowsPath } from '../src/worker/worker';
import { bundleWorkflows } from '../src/worker/workflow-bundle';
import { BENCH_ENV, benchConfigDocument } from './config';
import type { Setup } from './matrix';
import { startChild, ROOT, type Child } from './processes';
import { startBenchServer } from './server';
import type { WorkerProcessOptions } from './worker-main';

/** The API key the bench's gateway accepts. */
export const GATEWAY_KEY = `bench-${randomUUID()}`;
/** A second key, of scope `deliver`, for the hostile row's flood: throttles per key stay apart. */
export const FLOOD_KEY = `flood-${randomUUID()}`;

type WorkerReady = { url?: string; memory: NodeJS.MemoryUsage };

/** The bench's processes, kept matching the setups asked for. */
export type BenchSystem = Awaited<ReturnType<typeof startSystem>>;
/** What a row drives, for its setup. */
export type Running = Awaited<ReturnType<BenchSystem['prepare']>>;

/**
 * Starts the dev server and the targets, and bundles the workflows once for every worker; the
 * worker process and the gateway start as the rows' setups ask.
 */
export async function startSystem(concurrencyPerTarget: number, log: (line: string) => void) {
  const targets = await startChild<{ url: string }>('targets', ['bench/targets-main.ts']);
  log('Starting the Temporal dev server…');
  const server = await startBenchServer(log).catch(async (error: unknown) => {
    await targets.stop();
    throw error;
  });
  const { address, env } = server.server;
  const gatewayPort = await freePort();
  // The worker process and the gateway, each with the setup (`key`) it was started for.
  let worker: (Child<WorkerReady> & { key: string }) | undefined;
  let gateway: { child: Child; url: string; key: string } | undefined;
  // What `stop` must wait for: a start in progress is let finish, then stopped.
  let preparing: Promise<unknown> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  /**
   * Stops everything, the server last; a start in progress is let finish its step first, then
   * stopped with the rest. Safe to call again (Ctrl-C during the final stop): same promise.
   */
  const stop = () =>
    (stopping ??= (async () => {
      await preparing;
      await gateway?.child.stop();
      await worker?.stop();
      await targets.stop();
      await server.server.stop();
    })());
  log('Bundling the workflows once for every worker process…');
  const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-'));
  const bundle = await bundleWorkflows(workflowsPath, false).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  await writeFile(path.join(dir, 'workflows.js'), bundle);

  async function prepareNow({ starter, eagerStart = false, bulkhead = true }: Setup) {
    const document = benchConfigDocument(targets.ready.url, { address, gatewayPort, bulkhead });
    const config = parseConfig(document, 'bench config');
    const workerKey = JSON.stringify({ bulkhead, app: starter === 'app', eagerStart });
    if (worker?.key !== workerKey) {
      await worker?.stop();
      worker = undefined;
      log(`Starting the worker process (${workerKey})…`);
      const options: WorkerProcessOptions = {
        document,
        bundlePath: path.join(dir, 'workflows.js'),
        concurrencyPerTarget,
        serveStarts: starter === 'app',
        eagerStart,
      };
      const env = { BENCH_WORKER: JSON.stringify(options) };
      worker = {
        ...(await startChild<WorkerReady>('worker', ['bench/worker-main.ts'], { env })),
        key: workerKey,
      };
      const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
      const { rss, heapUsed, external } = worker.ready.memory;
      log(`  ready: RSS ${mib(rss)}, JS heap ${mib(heapUsed)}, external ${mib(external)}`);
    }
    const gatewayKey = starter === 'gateway' ? JSON.stringify({ bulkhead }) : undefined;
    if (gateway?.key !== gatewayKey) {
      await gateway?.child.stop();
      gateway = undefined;
    }
    if (gatewayKey !== undefined && gateway === undefined) {
      log('Starting the gateway (tandem gateway)…');
      const file = path.join(dir, 'tandem.config.yaml');
      await writeFile(file, stringify(document));
      const child = await startChild<string>(
        'gateway',
        [path.join(ROOT, 'src/cli/main.ts'), 'gateway'],
        {
          env: {
            TANDEM_CONFIG: file,
            TANDEM_API_KEYS: `${GATEWAY_KEY},flood:deliver:${FLOOD_KEY}`,
            ...BENCH_ENV,
          },
          readyLine: /tandem gateway: listening on \S+/,
        },
      );
      gateway = { child, url: /listening on (\S+)/.exec(child.ready)![1]!, key: gatewayKey };
    }
    if (stopping) throw new Error('The bench is stopping');
    return {
      ...{ server, targets: targets, worker, gateway, config },
      client: await TandemClient.connect(config, env.connection),
      /** The raw client, for histories and visibility counts. */
      temporal: new Client({ connection: env.connection, namespace: config.temporal.namespace }),
    };
  }

  return {
    /** Brings the processes to `setup`, restarting only what differs. */
    prepare(setup: Setup) {
      if (stopping) return Promise.reject(new Error('The bench is stopping'));
      const prepared = prepareNow(setup);
      preparing = prepared.catch(() => undefined);
      return prepared;
    },
    stop,
  };
}
