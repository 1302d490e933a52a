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
import { startBenchServer, type BenchServer } from './server';
import type { WorkerProcessOptions } from './worker-main';

/** The API key the bench's gateway accepts. */
export const GATEWAY_KEY = `bench-${randomUUID()}`;
/** A second key, of scope `deliver`, for the hostile row's flood: throttles per key stay apart. */
export const FLOOD_KEY = `flood-${randomUUID()}`;

type WorkerReady = { url?: string; memory: NodeJS.MemoryUsage };

/** What a row drives, for its setup. */
export type Running = Awaited<ReturnType<BenchSystem['prepareNow']>>;

/** Keeps the processes matching the setups asked for. */
export class BenchSystem {
  /** The worker process and the gateway, each with the setup (`key`) it was started for. */
  private worker?: Child<WorkerReady> & { key: string };
  private gateway?: { child: Child; url: string; key: string };
  /** What `stop` must wait for: a start in progress is let finish, then stopped. */
  private preparing: Promise<unknown> = Promise.resolve();
  private stopping?: Promise<void>;

  private constructor(
    private readonly server: BenchServer,
    private readonly targets: Child<{ url: string }>,
    private readonly dir: string,
    private readonly gatewayPort: number,
    private readonly concurrencyPerTarget: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts the dev server and the targets, and bundles the workflows once for every worker. */
  static async start(concurrencyPerTarget: number, log: (line: string) => void) {
    log('Starting the Temporal dev server…');
    const server = await startBenchServer(log);
    let targets: Child<{ url: string }> | undefined;
    try {
      targets = await startChild('targets', ['bench/targets-main.ts']);
      log('Bundling the workflows once for every worker process…');
      const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-'));
      await writeFile(path.join(dir, 'workflows.js'), await bundleWorkflows(workflowsPath, false));
      const port = await freePort();
      return new BenchSystem(server, targets, dir, port, concurrencyPerTarget, log);
    } catch (error) {
      await targets?.stop();
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

  private async prepareNow({ starter, eagerStart = false, bulkhead = true }: Setup) {
    const document = benchConfigDocument({
      targetsUrl: this.targets.ready.url,
      address: this.server.server.address,
      gatewayPort: this.gatewayPort,
      bulkhead,
    });
    const config = parseConfig(document, 'bench config');
    const workerKey = JSON.stringify({ bulkhead, app: starter === 'app', eagerStart });
    if (this.worker?.key !== workerKey) {
      await this.worker?.stop();
      this.worker = undefined;
      this.log(`Starting the worker process (${workerKey})…`);
      const options: WorkerProcessOptions = {
        document,
        bundlePath: path.join(this.dir, 'workflows.js'),
        concurrencyPerTarget: this.concurrencyPerTarget,
        serveStarts: starter === 'app',
        eagerStart,
      };
      const env = { BENCH_WORKER: JSON.stringify(options) };
      const worker = await startChild<WorkerReady>('worker', ['bench/worker-main.ts'], { env });
      this.worker = { ...worker, key: workerKey };
      const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
      const { rss, heapUsed, external } = worker.ready.memory;
      this.log(`  ready: RSS ${mib(rss)}, JS heap ${mib(heapUsed)}, external ${mib(external)}`);
    }
    const gatewayKey = starter === 'gateway' ? JSON.stringify({ bulkhead }) : undefined;
    if (this.gateway?.key !== gatewayKey) {
      await this.gateway?.child.stop();
      this.gateway = undefined;
    }
    if (gatewayKey !== undefined && this.gateway === undefined) {
      this.log('Starting the gateway (tandem gateway)…');
      const file = path.join(this.dir, 'tandem.config.yaml');
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
      this.gateway = { child, url: /listening on (\S+)/.exec(child.ready)![1]!, key: gatewayKey };
    }
    if (this.stopping) throw new Error('The bench is stopping');
    const { connection } = this.server.server.env;
    return {
      server: this.server,
      targets: this.targets,
      worker: this.worker,
      gateway: this.gateway,
      config,
      client: await TandemClient.connect(config, connection),
      /** The raw client, for histories and visibility counts. */
      temporal: new Client({ connection, namespace: config.temporal.namespace }),
    };
  }

  /**
   * Stops everything, the server last; a start in progress is let finish its step first, then
   * stopped with the rest. Safe to call again (Ctrl-C during the final stop): same promise.
   */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      await this.preparing;
      await this.gateway?.child.stop();
      await this.worker?.stop();
      await this.targets.stop();
      await this.server.server.stop();
    })());
  }
}
