import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { TandemClient } from '../client/client';
import { parseConfig } from '../contract/config/load';
import type { TandemConfig } from '../contract/config/schema';
import { demoConfigDocument } from '../demo/config';
import { startDemoTargets, type DemoTargets, type DemoTargetsOptions } from '../demo/targets';
import { TANDEM_SEARCH_ATTRIBUTES } from '../contract/search-attributes';
import { createWorkers, type TandemWorkerOptions, type TandemWorkers } from '../worker/worker';
import { PromotePolicy } from '../worker/worker-version';
import {
  startTemporalServer,
  type StartTemporalServerOptions,
  type TemporalServer,
} from './temporal-server';

type Env = Readonly<Record<string, string | undefined>>;

/** The demo config document before validation, as {@link LocalSystemOptions.tune} edits it. */
export type DemoConfigDocument = ReturnType<typeof demoConfigDocument>;

/** How the workers of a local system run; see `createWorkers`. */
export type LocalWorkerOptions = Pick<
  TandemWorkerOptions,
  'workflowBundle' | 'workerOptions' | 'concurrencyPerTarget'
>;

/** Options of {@link startLocalSystem}. */
export interface LocalSystemOptions {
  /**
   * The Temporal to use: a dev server to start (see {@link startLocalTemporal}), or the address
   * of one already running (the tests share one per run).
   */
  readonly temporal:
    | { readonly start: Omit<StartTemporalServerOptions, 'searchAttributes'> }
    | { readonly address: string };
  /** Where the demo targets listen. Default: a free port on 127.0.0.1. */
  readonly targets?: DemoTargetsOptions;
  /** The task queue; default `tandem` when starting a server, else a fresh one of its own. */
  readonly taskQueue?: string;
  /** Edits the demo config document (retry policies, timeouts) before it is validated. */
  readonly tune?: (document: DemoConfigDocument) => void;
  /** Names the config in errors, e.g. `demo config`. Default `local config`. */
  readonly configSource?: string;
  /** Where the workers read `${VAR}` secrets; the demo's `INVENTORY_TOKEN` is supplied unless set. */
  readonly env?: Env;
  /** Start workers at once (default), with these options, or not (`false`). */
  readonly workers?: LocalWorkerOptions | false;
}

/** The connection a starter uses, and whether its starts are eager (see `TandemClient.connect`). */
export interface StartConnection {
  readonly connection: Connection | NativeConnection;
  readonly eagerStart: boolean;
}

/** Workers started by {@link LocalSystem.startWorkers}. */
export interface RunningWorkers {
  readonly workers: TandemWorkers;
  /** Settles when the workers stop: rejects if one fails. */
  readonly done: Promise<void>;
  /** Stops polling, lets in-flight attempts finish, and waits for that. */
  stop(): Promise<void>;
}

/** A running local system: Temporal, the demo targets, workers and a client, all on 127.0.0.1. */
export interface LocalSystem {
  /** The config document as a user would write it, before validation. */
  readonly document: DemoConfigDocument;
  readonly config: TandemConfig;
  readonly targets: DemoTargets;
  readonly client: TandemClient;
  readonly connection: Connection;
  readonly nativeConnection: NativeConnection;
  /**
   * How a starter in this process (its client, the gateway of `tandem dev`) connects: with
   * workers here, over their `NativeConnection` with Eager Workflow Start; else over `connection`.
   */
  readonly starts: StartConnection;
  /** The dev server, when this system started it. */
  readonly server?: TemporalServer;
  /** The workers started with the system; absent with `workers: false`. */
  readonly workers?: RunningWorkers;
  /** Starts (more) workers over the same config, as another worker process would. */
  startWorkers(options?: LocalWorkerOptions): Promise<RunningWorkers>;
  /** Stops what it started, newest first; later calls wait on the first. */
  stop(): Promise<void>;
}

/**
 * Starts a Temporal dev server on 127.0.0.1 with every search attribute Tandem writes
 * registered: the server half of {@link startLocalSystem}, for callers that share one server
 * between several systems (the test suite).
 */
export function startLocalTemporal(
  options: Omit<StartTemporalServerOptions, 'searchAttributes'>,
): Promise<TemporalServer> {
  return startTemporalServer({ ...options, searchAttributes: TANDEM_SEARCH_ATTRIBUTES });
}

/**
 * Starts the whole local system that `tandem dev`, the benchmark and the tests run on:
 * Temporal (started, or reached at an address), the demo targets, a config pointing at them,
 * the workers and a client. Anything started before a failure is stopped again.
 */
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (let undo = started.pop(); undo; undo = started.pop()) await undo();
  };
  try {
    let server: TemporalServer | undefined;
    let connection: Connection;
    let nativeConnection: NativeConnection;
    if ('start' in options.temporal) {
      const running = await startLocalTemporal(options.temporal.start);
      started.push(() => running.stop());
      server = running;
      ({ connection, nativeConnection } = running.env);
    } else {
      const { address } = options.temporal;
      const client = await Connection.connect({ address });
      started.push(() => client.close());
      const native = await NativeConnection.connect({ address });
      started.push(() => native.close());
      connection = client;
      nativeConnection = native;
    }
    const targets = await startDemoTargets(options.targets);
    started.push(() => targets.stop());

    // On a shared server (the tests') each system is a deployment of its own, as it has a task
    // queue of its own: its workers' versions and promotions touch no other system's runs.
    const document = demoConfigDocument({
      targetsUrl: targets.url,
      address: server?.address ?? ('address' in options.temporal ? options.temporal.address : ''),
      taskQueue: options.taskQueue ?? (server ? 'tandem' : `local-${randomUUID()}`),
      ...(server ? { namespace: server.namespace } : { deploymentName: `local-${randomUUID()}` }),
    });
    options.tune?.(document);
    const config = parseConfig(document, options.configSource ?? 'local config');
    const env = { INVENTORY_TOKEN: 'demo-token', ...options.env };

    const startWorkers = async (
      workerOptions: LocalWorkerOptions = {},
    ): Promise<RunningWorkers> => {
      const workers = await createWorkers({
        config,
        connection: nativeConnection,
        env,
        // The workers of a local system are the ones meant to serve: new runs start on them.
        promote: PromotePolicy.always,
        ...workerOptions,
      });
      const done = workers.run();
      // Awaited by whoever holds `done`; until then a failed worker is no unhandled rejection.
      done.catch(() => undefined);
      try {
        await workers.ready;
      } catch (error) {
        await done;
        throw error;
      }
      const stop = async () => {
        workers.shutdown();
        await done;
      };
      // A worker that failed has stopped already; its error belongs to whoever awaits `done`.
      started.push(() => stop().catch(() => undefined));
      return { workers, done, stop };
    };
    const workers = options.workers === false ? undefined : await startWorkers(options.workers);
    // With workers in this process, starts share their connection and hand each run's first
    // workflow task straight to them (Eager Workflow Start): one trip through matching fewer.
    const starts: StartConnection = workers
      ? { connection: nativeConnection, eagerStart: true }
      : { connection, eagerStart: false };
    const client = await TandemClient.connect(config, starts.connection, {
      eagerStart: starts.eagerStart,
      env,
    });
    started.push(() => client.close());

    let stopping: Promise<void> | undefined;
    return {
      document,
      config,
      targets,
      client,
      connection,
      nativeConnection,
      starts,
      ...(server && { server }),
      ...(workers && { workers }),
      startWorkers,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
