import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DevServerConfig } from '@temporalio/testing';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes } from '../client/search-attributes';
import { devServerDynamicConfigFlags } from './dynamic-config';
import type { ResolvedTemporalCli, ResolveTemporalCliOptions } from '../host/temporal-cli';
import { freePort, LOOPBACK } from '../host/machine';
import { privateCliFlags } from './private-flags';
import { resolveTemporalExecutable } from '../host/temporal-cli';

/** Options of {@link startTemporalServer}. */
export interface StartTemporalServerOptions {
  /** How to find the Temporal CLI (its `log` is this object's `log`). */
  readonly cli: Omit<ResolveTemporalCliOptions, 'log'>;
  /** gRPC port; `undefined` picks a free one. */
  readonly port?: number;
  /** Whether to serve the web UI. Default `false`, or `true` when `uiPort` is set. */
  readonly ui?: boolean;
  /** UI port; `undefined` with `ui` picks a free one. */
  readonly uiPort?: number;
  /** SQLite file that keeps the server's state across restarts; its folder is created. Default: in memory. */
  readonly dbFilename?: string;
  /** Namespace created at startup. Default `default`. */
  readonly namespace?: string;
  /** Custom search attributes to register, e.g. from `defineSearchAttributeKey`. */
  readonly searchAttributes?: DevServerConfig['searchAttributes'];
  /** More `temporal server start-dev` flags (none with a secret value: argv is public). */
  readonly extraArgs?: readonly string[];
  /**
   * The UI's codec endpoint, which may carry a token: passed in a file of the owner's only,
   * deleted once the server is up, never on the command line.
   */
  readonly uiCodecEndpoint?: string;
  /** Receives progress lines (installing the CLI, where the server listens). Default: silent. */
  readonly log?: (line: string) => void;
}

/** A running dev server and the environment connected to it. */
export interface TemporalServer {
  /** Test environment holding the client `connection` and the worker `nativeConnection`. */
  readonly env: TestWorkflowEnvironment;
  /** gRPC address, `127.0.0.1:PORT`. */
  readonly address: string;
  readonly namespace: string;
  /** Web UI address when `ui` is on; the UI may answer a moment after the gRPC port does. */
  readonly uiUrl?: string;
  /** How the CLI was found. */
  readonly cli: ResolvedTemporalCli;
  /** Closes the connections and kills the server process; later calls wait on the first. */
  stop(): Promise<void>;
}

/**
 * Starts a Temporal dev server on 127.0.0.1 with the project's Temporal CLI (installing it on first
 * use, see {@link resolveTemporalExecutable}) and connects to it.
 *
 * The SDK gives the server about 5 seconds to answer before it gives up.
 */
export async function startTemporalServer(
  options: StartTemporalServerOptions,
): Promise<TemporalServer> {
  const log = options.log ?? (() => undefined);
  const cli = await resolveTemporalExecutable({ ...options.cli, log });
  const namespace = options.namespace ?? 'default';
  const ui = options.ui ?? options.uiPort !== undefined;
  // Left alone, the SDK puts the UI on port + 1000, which nothing reserves.
  const uiPort = ui ? (options.uiPort ?? (await freePort())) : undefined;
  if (options.dbFilename !== undefined) {
    await mkdir(path.dirname(options.dbFilename), { recursive: true });
  }

  const secret =
    options.uiCodecEndpoint === undefined
      ? undefined
      : await privateCliFlags({ 'ui-codec-endpoint': options.uiCodecEndpoint });
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: cli.executable,
        ip: LOOPBACK,
        port: options.port,
        ui,
        uiPort,
        dbFilename: options.dbFilename,
        namespace,
        searchAttributes: options.searchAttributes,
        extraArgs: [
          ...devServerDynamicConfigFlags(),
          ...(options.extraArgs ?? []),
          ...(secret?.args ?? []),
        ],
      },
    });
  } finally {
    // Read at the CLI's start, so not needed once the server answers (or failed to).
    await secret?.remove();
  }
  if (options.searchAttributes !== undefined) {
    // The dev server applies its --search-attribute flags only when it creates its state file,
    // so a file from an older version would otherwise refuse every start that sets them.
    await registerSearchAttributes(
      env.connection.operatorService,
      namespace,
      options.searchAttributes,
    );
  }
  const uiUrl = uiPort === undefined ? undefined : `http://${LOOPBACK}:${uiPort}`;
  log(`Temporal dev server on ${env.address}${uiUrl === undefined ? '' : `, UI at ${uiUrl}`}`);

  let stopping: Promise<void> | undefined;
  return {
    env,
    address: env.address,
    namespace,
    uiUrl,
    cli,
    stop: () => (stopping ??= env.teardown()),
  };
}
