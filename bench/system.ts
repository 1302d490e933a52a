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
import type { TandemConfig } from '../src/contract/config/schema';
import { freePort } from '../src/host/machine';
import { workflowsPath } from '../src/worker/worker';
import { bundleWorkflows } from '../src/worker/workflow-bundle';
import { BENCH_ENV, benchConfigDocument } from './config';
import type { Setup } from './matrix';
import { startChild, startNodeChild, ROOT, type Child } from './processes';
import { startBenchServer, type BenchServer } from './server';
import type { WorkerProcessOptions } from './worker-main';

/** The API key the bench's gateway accepts. */
export const GATEWAY_KEY = `bench-${randomUUID()}`;
/** A second key, of scope `deliver`, for the hostile row's flood: throttles per key stay apart. */
export const FLOOD_KEY = `flood-${randomUUID()}`;

/** The worker process, with what it printed when ready. */
export type WorkerChild = Child<{ url?: string; memory: NodeJS.MemoryUsage }>;

/** What a row drives, for its setup. */
export interface Running {
  server: BenchServer;
  targetsUrl: string;
  targets: Child;
  worker: WorkerChild;
  gateway?: { child: Child; url: string };
  config: TandemConfig;
  client: TandemClient;
  /** The raw client, for histories. */
  temporal: Client;
}

/** The settings the worker process runs with: a change restarts it. */
function workerKey(setup: Setup): string {
  const { starter, eagerStart, bulkhead = true } = setup;
  return JSON.stringify({ bulkhead, app: starter === 'app', eagerStart });
}

/** Keeps the processes matching the setups asked for. */
export class BenchSystem {
  private worker?: WorkerChild;
  private workerSetup?: string;
  private gateway?: { child: Child; url: string; bulkhead: boolean };
  private preparing: Promise<unknown> = Promise.resolve();
  private stopping?: Promise<void>;

  private constructor(
    private readonly server: BenchServer,
    private readonly targets: Child<{ url: string }>,
    private readonly bundlePath: string,
    private readonly gatewayPort: number,
    private readonly concurrencyPerTarget: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts the dev server and the targets, and bundles the workflows once for every worker. */
  static async start(concurrencyPerTarget: number, log: (line: string) => void) {
    log('Starting the Temporal dev server…');
    const server = await startBenchServer(log);
    const targets = await startNodeChild<{ url: string }>('targets', 'targets-main.ts', {}).catch(
      async (error: unknown) => {
        await server.server.stop();
        throw error;
      },
    );
    try {
      log('Bundling the workflows once for every worker process…');
      const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-'));
      const bundlePath = path.join(dir, 'workflows.js');
      await writeFile(bundlePath, await bundleWorkflows(workflowsPath, false));
      const port = await freePort();
      return new BenchSystem(server, targets, bundlePath, port, concurrencyPerTarget, log);
    } catch (error) {
      await targets.stop();
      await server.server.stop();
      throw error;
    }
  }

  /** Brings the processes to `setup`, restarting only what differs. */
  prepare(setup: Setup): Promise<Running> {
    if (this.stopping) return Promise.reject(new Error('The bench is stopping'));
    const prepared = this.prepareNow(setup);
    this.preparing = prepared.catch(() => undefined);
    return prepared;
  }

  /** Throws once a stop was asked for, so a start in progress goes no further. */
  private checkNotStopping(): void {
    if (this.stopping) throw new Error('The bench is stopping');
  }

  private async prepareNow(setup: Setup): Promise<Running> {
    const bulkhead = setup.bulkhead ?? true;
    const document = benchConfigDocument({
      targetsUrl: this.targets.ready.url,
      address: this.server.server.address,
      taskQueue: 'bench',
      gatewayPort: this.gatewayPort,
      bulkhead,
    });
    const config = parseConfig(document, 'bench config');
    const key = workerKey(setup);
    if (this.workerSetup !== key) {
      await this.stopWorker();
      this.checkNotStopping();
      this.log(`Starting the worker process (${key})…`);
      const options: WorkerProcessOptions = {
        document,
        bundlePath: this.bundlePath,
        concurrencyPerTarget: this.concurrencyPerTarget,
        serveStarts: setup.starter === 'app',
        eagerStart: setup.eagerStart ?? false,
      };
      this.worker = await startNodeChild('worker', 'worker-main.ts', {
        BENCH_WORKER: JSON.stringify(options),
      });
      this.workerSetup = key;
      const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
      const { rss, heapUsed, external } = this.worker.ready.memory;
      this.log(`  ready: RSS ${mib(rss)}, JS heap ${mib(heapUsed)}, external ${mib(external)}`);
      this.checkNotStopping();
    }
    if (
      this.gateway !== undefined &&
      (setup.starter !== 'gateway' || this.gateway.bulkhead !== bulkhead)
    ) {
      await this.stopGateway();
    }
    if (setup.starter === 'gateway' && this.gateway === undefined) {
      this.log('Starting the gateway (tandem gateway)…');
      const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-'));
      const file = path.join(dir, 'tandem.config.yaml');
      await writeFile(file, stringify(document));
      const child = await startChild<string>(
        'gateway',
        [path.join(ROOT, 'src', 'cli', 'main.ts'), 'gateway'],
        {
          env: {
            TANDEM_CONFIG: file,
            TANDEM_API_KEYS: `${GATEWAY_KEY},flood:deliver:${FLOOD_KEY}`,
            ...BENCH_ENV,
          },
          readyLine: /tandem gateway: listening on /,
        },
      );
      const url = /listening on (\S+)/.exec(child.ready)?.[1];
      if (url === undefined) throw new Error(`The gateway's ready line has no URL: ${child.ready}`);
      this.gateway = { child, url, bulkhead };
    }
    const { connection } = this.server.server.env;
    return {
      server: this.server,
      targetsUrl: this.targets.ready.url,
      targets: this.targets,
      worker: this.worker!,
      ...(setup.starter === 'gateway' && this.gateway && { gateway: this.gateway }),
      config,
      client: await TandemClient.connect(config, connection),
      temporal: new Client({ connection, namespace: config.temporal.namespace }),
    };
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.workerSetup = undefined;
    await worker?.stop();
  }

  private async stopGateway(): Promise<void> {
    const gateway = this.gateway;
    this.gateway = undefined;
    await gateway?.child.stop();
  }

  /**
   * Stops everything, the server last; a start in progress is let finish its step first, then
   * stopped with the rest. Safe to call again (Ctrl-C during the final stop): same promise.
   */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      await this.preparing;
      await this.stopGateway();
      await this.stopWorker();
      await this.targets.stop();
      await this.server.server.stop();
    })());
  }
}
