/**
 * The processes a row runs against, kept across rows and restarted only when a row's setup
 * changes what they run with: the server (the dev server with its partitions, or a fresh
 * cluster per count of history shards), the worker processes (how many, pollers, cache,
 * app-hosted starts) and the gateway (started for the rows that go through it).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { TandemClient } from '../src/client/client';
import { parseConfig } from '../src/contract/config/load';
import type { TandemConfig } from '../src/contract/config/schema';
import { workflowsPath } from '../src/worker/worker';
import { bundleWorkflows } from '../src/worker/workflow-bundle';
import { startBenchCluster } from './cluster';
import { BENCH_ENV, benchConfigDocument } from './config';
import { serverKey, workerKey, type Setup } from './setup';
import { startChild, startNodeChild, ROOT, type Child } from './processes';
import { freePort } from '../src/host/machine';
import { startBenchServer, type BenchServer } from './server';
import type { WorkerProcessOptions } from './worker-main';

/** The API key the bench's gateway accepts. */
export const GATEWAY_KEY = `bench-${randomUUID()}`;
/** A second key, of scope `deliver`, for the hostile row's flood: throttles per key stay apart. */
export const FLOOD_KEY = `flood-${randomUUID()}`;

/** A worker process, with what it printed when ready. */
export type WorkerChild = Child<{ url?: string; memory: NodeJS.MemoryUsage }>;

/** Which Temporal the bench runs against: the dev server, or a cluster (`--cluster`). */
export type ServerKind = 'dev' | 'cluster';

/** History shards of the bench cluster when no row asks for a count (`tandem cluster`'s). */
const DEFAULT_SHARDS = 4;

/** What a row drives, for its setup. */
export interface Running {
  server: BenchServer;
  targetsUrl: string;
  targets: Child;
  /** The worker processes, identical, on the same task queues. */
  workers: WorkerChild[];
  gateway?: { child: Child; url: string };
  config: TandemConfig;
  client: TandemClient;
  /** The raw client, for histories. */
  temporal: Client;
}

/** Keeps the processes matching the setups asked for. */
export class BenchSystem {
  private server?: BenchServer;
  private serverSetup?: string;
  private connection?: Connection;
  private workers: WorkerChild[] = [];
  private workerSetup?: string;
  private gateway?: { child: Child; url: string; bulkhead: boolean };
  private current?: Running;
  private preparing: Promise<unknown> = Promise.resolve();
  private stopping?: Promise<void>;

  private constructor(
    private readonly targets: Child<{ url: string }>,
    private readonly bundlePath: string,
    private readonly concurrencyPerTarget: number,
    private readonly log: (line: string) => void,
    /** Node flags for the worker and gateway processes (`--cpu-prof …`). */
    private readonly nodeFlags: readonly string[],
    private readonly serverKind: ServerKind,
  ) {}

  /** Starts the targets and bundles the workflows once for every worker process. */
  static async start(
    concurrencyPerTarget: number,
    log: (line: string) => void,
    nodeFlags: readonly string[] = [],
    serverKind: ServerKind = 'dev',
  ) {
    const targets = await startNodeChild<{ url: string }>('targets', 'targets-main.ts', {});
    try {
      log('Bundling the workflows once for every worker process…');
      const code = await bundleWorkflows(workflowsPath, false);
      const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-'));
      const bundlePath = path.join(dir, 'workflows.js');
      await writeFile(bundlePath, code);
      return new BenchSystem(targets, bundlePath, concurrencyPerTarget, log, nodeFlags, serverKind);
    } catch (error) {
      await targets.stop();
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

  private async startServer(setup: Setup): Promise<BenchServer> {
    if (this.serverKind === 'cluster') {
      const historyShards = setup.historyShards ?? DEFAULT_SHARDS;
      this.log(
        `Starting a fresh Temporal cluster (${historyShards} history shard${historyShards === 1 ? '' : 's'})…`,
      );
      return startBenchCluster({
        historyShards,
        // The cluster replaces the address; the targets are what it needs from the document.
        document: benchConfigDocument({
          targetsUrl: this.targets.ready.url,
          address: '127.0.0.1:7233',
          taskQueue: 'bench',
        }),
        env: { ...process.env, ...BENCH_ENV },
        log: this.log,
      });
    }
    this.log(`Starting the Temporal dev server (${serverKey(setup)})…`);
    return startBenchServer(
      {
        ...(setup.partitions !== undefined && {
          'matching.numTaskqueueReadPartitions': setup.partitions,
          'matching.numTaskqueueWritePartitions': setup.partitions,
        }),
        ...(setup.transferReads !== undefined && {
          'history.transferProcessorMaxPollRPS': setup.transferReads,
        }),
      },
      this.log,
    );
  }

  private async prepareNow(setup: Setup): Promise<Running> {
    const sKey = serverKey(setup);
    const wKey = workerKey(setup);
    if (this.serverSetup !== sKey) {
      await this.stopAll();
      this.checkNotStopping();
      this.server = await this.startServer(setup);
      this.serverSetup = sKey;
      this.checkNotStopping();
      this.connection = await Connection.connect({ address: this.server.address });
    }
    const server = this.server!;
    const connection = this.connection!;
    const document = benchConfigDocument({
      targetsUrl: this.targets.ready.url,
      address: server.address,
      taskQueue: 'bench',
      gatewayPort: this.gateway === undefined ? await freePort() : portOf(this.gateway.url),
      bulkhead: setup.bulkhead ?? true,
    });
    const config = parseConfig(document, 'bench config');
    const processes = setup.workerProcesses ?? 1;
    if (this.workerSetup !== wKey) await this.stopWorkers();
    // Identical processes: a row that wants fewer stops the newest, one that wants more adds.
    await Promise.all(this.workers.splice(processes).map((worker) => worker.stop()));
    if (this.workers.length < processes) {
      this.checkNotStopping();
      const first = this.workers.length + 1;
      this.log(
        `Starting ${processes === 1 ? 'the worker process' : `worker processes ${first}–${processes}`} (${wKey})…`,
      );
      const options: WorkerProcessOptions = {
        document,
        bundlePath: this.bundlePath,
        concurrencyPerTarget: this.concurrencyPerTarget,
        ...(setup.maxCachedWorkflows !== undefined && {
          maxCachedWorkflows: setup.maxCachedWorkflows,
        }),
        ...(setup.workflowPollers !== undefined && {
          workflowPollers: pollers(setup.workflowPollers),
        }),
        ...(setup.activityPollers !== undefined && {
          activityPollers: pollers(setup.activityPollers),
        }),
        serveStarts: setup.starter === 'app',
        eagerStart: setup.eagerStart ?? false,
      };
      this.workerSetup = wKey;
      // One after another: on two cores, starting them together only slows each one down.
      while (this.workers.length < processes) {
        const worker: WorkerChild = await startNodeChild(
          `worker ${this.workers.length + 1}`,
          'worker-main.ts',
          { BENCH_WORKER: JSON.stringify(options) },
          this.nodeFlags,
        );
        this.workers.push(worker);
        const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
        const { rss, heapUsed, external } = worker.ready.memory;
        this.log(
          `  ${worker.name} ready: RSS ${mib(rss)}, JS heap ${mib(heapUsed)}, external ${mib(external)}`,
        );
        this.checkNotStopping();
      }
    }
    const gatewayStale = this.gateway?.bulkhead !== (setup.bulkhead ?? true);
    if (this.gateway !== undefined && (setup.starter !== 'gateway' || gatewayStale)) {
      await this.gateway.child.stop();
      this.gateway = undefined;
    }
    if (setup.starter === 'gateway' && this.gateway === undefined) {
      this.log('Starting the gateway (tandem gateway)…');
      const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-'));
      const file = path.join(dir, 'tandem.config.yaml');
      await writeFile(file, stringify(document));
      const child = await startChild<string>(
        'gateway',
        process.execPath,
        [...this.nodeFlags, '--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), 'gateway'],
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
      this.gateway = { child, url, bulkhead: setup.bulkhead ?? true };
    }
    this.current = {
      server,
      targetsUrl: this.targets.ready.url,
      targets: this.targets,
      workers: this.workers,
      ...(setup.starter === 'gateway' && this.gateway && { gateway: this.gateway }),
      config,
      client: await TandemClient.connect(config, connection),
      temporal: new Client({ connection, namespace: config.temporal.namespace }),
    };
    return this.current;
  }

  private async stopWorkers(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    this.workerSetup = undefined;
    await Promise.all(workers.map((worker) => worker.stop()));
  }

  private async stopAll(): Promise<void> {
    await this.gateway?.child.stop();
    this.gateway = undefined;
    await this.stopWorkers();
    await this.connection?.close();
    this.connection = undefined;
    await this.server?.stop();
    this.server = undefined;
    this.serverSetup = undefined;
  }

  /**
   * Stops everything, the targets last; a start in progress is let finish its step first, then
   * stopped with the rest. Safe to call again (Ctrl-C during the final stop): same promise.
   */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      await this.preparing;
      await this.stopAll();
      await this.targets.stop();
    })());
  }
}

function pollers(value: number | 'autoscaling') {
  return value === 'autoscaling'
    ? ({ type: 'autoscaling' } as const)
    : ({ type: 'simple-maximum', maximum: value } as const);
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}
