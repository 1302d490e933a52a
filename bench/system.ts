/**
 * The processes a row runs against: the dev server and the targets for the whole bench, the
 * worker process restarted only when a row's setup changes what it runs with, and the gateway
 * for the rows that go through it.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { stringify } from 'yaml';
import { TandemClient } from '../src/client/client';
import { parseConfig } from '../src/contract/config/load';
import { startLocalTemporal } from '../src/dev/local-system';
import { freePort } from '../src/host/machine';
import { workflowsPath } from '../src/worker/worker';
import { BUNDLER_LOGGER, bundleWorkflows } from '../src/worker/workflow-bundle';
import { BENCH_ENV, benchConfigDocument } from './config';
import type { Setup } from './matrix';
import { startChild, type Child } from './processes';
import type { WorkerProcessOptions } from './worker-main';

const PEER_WORKFLOWS = path.join(__dirname, 'peer-workflows.ts');
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
 * Bundles the workflows once for every worker, and starts the dev server and the targets; the
 * worker process and the gateway start as the rows' setups ask.
 */
export async function startSystem(concurrencyPerTarget: number, log: (line: string) => void) {
  log('Bundling the workflows (Tandem, its peers) once for every worker process…');
  const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-'));
  const [bundle, peerBundle] = await Promise.all([
    bundleWorkflows(workflowsPath, false),
    bundleWorkflowCode({ workflowsPath: PEER_WORKFLOWS, logger: BUNDLER_LOGGER }),
  ]);
  await writeFile(path.join(dir, 'workflows.js'), bundle);
  await writeFile(path.join(dir, 'peers.js'), peerBundle.code);
  const targets = await startChild<{ url: string }>('targets', ['bench/targets-main.ts']);
  log('Starting the Temporal dev server…');
  const server = await startServer(log).catch(async (error: unknown) => {
    await targets.stop();
    throw error;
  });
  const { address, env } = server.server;
  const { connection } = env;
  const gatewayPort = await freePort();
  const worker = kept<Child<WorkerReady>>();
  const gateway = kept<Child<string> & { url: string }>();
  // What `stop` must wait for: a start in progress is let finish, then stopped.
  let preparing: Promise<unknown> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  /** Stops everything, the server last; again (Ctrl-C during the final stop): same promise. */
  const stop = () =>
    (stopping ??= (async () => {
      await preparing;
      await gateway.stop();
      await worker.stop();
      await targets.stop();
      await server.server.stop();
    })());

  async function prepareNow({ starter, eagerStart = false, bulkhead = true, traced }: Setup) {
    const document = benchConfigDocument(targets.ready.url, { address, gatewayPort, bulkhead });
    const config = parseConfig(document, 'bench config');
    const workerKey = JSON.stringify({ bulkhead, app: starter === 'app', eagerStart, traced });
    const otel: Record<string, string> = traced
      ? { OTEL_EXPORTER_OTLP_ENDPOINT: targets.ready.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }
      : { OTEL_SDK_DISABLED: 'true' };
    const workerNow = await worker.keep(workerKey, async () => {
      log(`Starting the worker process (${workerKey})…`);
      const bundlePath = path.join(dir, 'workflows.js');
      const peerBundlePath = path.join(dir, 'peers.js');
      const options = { document, bundlePath, peerBundlePath, concurrencyPerTarget, eagerStart };
      const worker: WorkerProcessOptions = { ...options, serveStarts: starter === 'app' };
      const env = { BENCH_WORKER: JSON.stringify(worker), ...otel };
      const child = await startChild<WorkerReady>('worker', ['bench/worker-main.ts'], { env });
      const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
      const { rss, heapUsed, external } = child.ready.memory;
      log(`  ready: RSS ${mib(rss)}, JS heap ${mib(heapUsed)}, external ${mib(external)}`);
      return child;
    });
    const gatewayKey = starter === 'gateway' ? JSON.stringify({ bulkhead, traced }) : undefined;
    const gatewayNow = await gateway.keep(gatewayKey, async () => {
      log('Starting the gateway (tandem gateway)…');
      const file = path.join(dir, 'tandem.config.yaml');
      await writeFile(file, stringify(document));
      const keys = `${GATEWAY_KEY},flood:deliver:${FLOOD_KEY}`;
      const env = { TANDEM_CONFIG: file, TANDEM_API_KEYS: keys, ...BENCH_ENV, ...otel };
      const readyLine = /tandem gateway: listening on (\S+)/;
      const args = ['src/cli/main.ts', 'gateway'];
      const child = await startChild<string>('gateway', args, { env, readyLine });
      return { ...child, url: readyLine.exec(child.ready)![1]! };
    });
    if (stopping) throw new Error('The bench is stopping');
    return {
      ...{ server, targets, worker: workerNow!, gateway: gatewayNow, config, document },
      client: await TandemClient.connect(config, connection),
      /** The raw client, for histories and visibility counts. */
      temporal: new Client({ connection, namespace: config.temporal.namespace }),
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

/**
 * Starts the dev server `tandem dev` runs (in memory, Tandem's search attributes and the
 * deployment's dynamic config) with its Prometheus endpoint on, and finds the pid its CPU is
 * read from.
 */
async function startServer(log: (line: string) => void) {
  const metricsPort = await freePort();
  const server = await startLocalTemporal({
    cli: { env: process.env },
    // Quiet: the server's log would interleave with the report on the terminal.
    extraArgs: ['--metrics-port', String(metricsPort), '--log-level', 'never'],
    log,
  });
  // The SDK starts the server: its process is found by its metrics port.
  const flag = `--metrics-port\0${metricsPort}\0`;
  const pid = readdirSync('/proc').find((entry) => {
    try {
      return /^\d+$/.test(entry) && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(flag);
    } catch {
      return false; // It ended while the folder was read.
    }
  });
  if (pid === undefined) {
    await server.stop();
    throw new Error(`No process has --metrics-port ${metricsPort}: the server's CPU is unread`);
  }
  return { server, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, pid: Number(pid) };
}

/**
 * A child process kept for one setup (its `key`): `keep` restarts it when the key changes and
 * stops it when there is none, so a row restarts only what its setup changes.
 */
function kept<T extends { stop(): Promise<unknown> }>() {
  let current: { key: string; child: T } | undefined;
  return {
    async keep(key: string | undefined, start: () => Promise<T>): Promise<T | undefined> {
      if (current?.key === key) return current?.child;
      await current?.child.stop();
      current = undefined;
      if (key !== undefined) current = { key, child: await start() };
      return current?.child;
    },
    stop: async () => void (await current?.child.stop()),
  };
}
