import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../contract/config/load';
import { resolveTemporalExecutable } from '../host/temporal-cli';
import { TandemError } from '../contract/errors';
import { searchType, TANDEM_SEARCH_ATTRIBUTES } from '../contract/search-attributes';
import { installClusterBinaries, installObservabilityBinaries } from './install';
import { JAEGER_DEFAULT_PORTS, otlpEnv, startJaeger, type Jaeger } from './observability';
import { ClusterError, script, startProcess, writeTandemConfig } from './launch';
import {
  findPostgres,
  initPostgres,
  startPostgres,
  stopPostgres,
  type PostgresInstance,
} from './postgres';
import { alive, stopGroup } from './processes';
import { DEPLOY_FILES } from '../host/deploy-files';
import { POSTGRES_USER, serverEnvironment, temporalCliEnvironment } from './specs';
import {
  choosePorts,
  portsOrFree,
  readState,
  secret,
  TEMPORAL_SERVICES,
  writeState,
  type ClusterPorts,
  type ClusterState,
  type ClusterTls,
} from './state';

export { ClusterError } from './launch';

type Env = Readonly<Record<string, string | undefined>>;

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Where the cluster keeps its state (database, logs, ports); reused by the next start. */
  readonly dir: string;
  /** The Tandem config whose targets the workers serve; its `temporal` section is replaced. */
  readonly configPath: string;
  /** The environment workers get (target secrets) and tools are found on (PATH). */
  readonly env: Env;
  readonly log: (line: string) => void;
  /** Tandem worker processes (0: none, for a caller that runs its own). Default 2. */
  readonly workers?: number;
  /** History shards of a new cluster (fixed once made). Default 4. */
  readonly historyShards?: number;
  /** Preferred ports of a new cluster (0: any free one). */
  readonly ports?: Partial<ClusterPorts>;
  /** mTLS on the frontend. */
  readonly tls?: ClusterTls;
  /** Start Jaeger beside the cluster and send every Tandem process's traces to it. */
  readonly traces?: boolean;
}

/** Where a running cluster listens. */
export interface ClusterEndpoints {
  readonly state: ClusterState;
  readonly address: string;
  readonly uiUrl: string;
  readonly gatewayUrl: string;
  /** Jaeger's UI, when the cluster was started with traces. */
  readonly tracesUrl?: string;
}

const PREFERRED_PORTS: Partial<ClusterPorts> = { frontend: 7233, ui: 8233, gateway: 8080 };

/**
 * The running processes in the waves they are stopped in: Tandem's first (workers finish their
 * attempts while Temporal still answers), then the UI and Temporal's services together.
 */
function stopWaves(state: ClusterState): string[][] {
  const names = Object.keys(state.pids);
  const tandem = names.filter((n) => n === 'gateway' || n.startsWith('worker-'));
  return [tandem, names.filter((n) => !tandem.includes(n))];
}

/** The cluster's PostgreSQL. */
export async function postgresOf(state: ClusterState, env: Env): Promise<PostgresInstance> {
  return {
    binaries: await findPostgres(env),
    dataDir: path.join(state.dir, 'postgres'),
    port: state.ports.postgres,
    user: POSTGRES_USER,
    password: state.postgresPassword,
  };
}

async function newState(options: StartClusterOptions): Promise<ClusterState> {
  const config = await loadConfig(options.configPath);
  return {
    dir: path.resolve(options.dir),
    ports: await choosePorts({ ...PREFERRED_PORTS, ...options.ports }),
    historyShards: options.historyShards ?? 4,
    namespace: config.temporal.namespace,
    postgresPassword: secret(),
    gatewayKey: `tandem-cluster-${secret(12)}`,
    ...(options.tls && { tls: options.tls }),
    tandemConfig: path.join(path.resolve(options.dir), 'tandem.yaml'),
    workers: options.workers ?? 2,
    pids: {},
  };
}

/**
 * Starts PostgreSQL, sets up or migrates Temporal's schemas, starts Temporal's four services as
 * separate processes, registers the namespace and Tandem's search attributes, then the UI, the
 * Tandem workers and the gateway. A cluster made before in `dir` is started again with its data.
 */
export async function startCluster(options: StartClusterOptions): Promise<ClusterEndpoints> {
  const { env, log } = options;
  await loadConfig(options.configPath); // a bad config starts nothing
  const existing = await readState(options.dir);
  const running = Object.entries(existing?.pids ?? {}).filter(([, pid]) => alive(pid));
  if (running.length > 0) {
    throw new ClusterError(
      `a cluster is running in ${options.dir} already (${running.map(([n, p]) => `${n} ${p}`).join(', ')}): ` +
        'stop it with "tandem cluster down" first',
    );
  }
  if (
    existing &&
    options.historyShards !== undefined &&
    options.historyShards !== existing.historyShards
  ) {
    throw new ClusterError(
      `the cluster in ${options.dir} was made with ${existing.historyShards} history shards, which cannot change: ` +
        `start it without --shards, or remove ${options.dir} to make a new one`,
    );
  }
  const base = existing ?? (await newState(options));
  const state: ClusterState = {
    ...base,
    // A cluster made before the metrics ports existed gets them now.
    ports: await choosePorts({}, base.ports),
    workers: options.workers ?? base.workers,
    ...(options.tls ? { tls: options.tls } : {}),
    pids: {},
  };
  await mkdir(path.join(state.dir, 'logs'), { recursive: true });
  await writeState(state);

  const binaries = await installClusterBinaries({ env, log });
  const cli = await resolveTemporalExecutable({ env, log, allowDownload: false });
  if (cli.route === 'download') throw new ClusterError('no Temporal CLI for the namespace setup');
  await writeTandemConfig(options.configPath, state);
  const postgres = await postgresOf(state, env);
  let jaeger: Jaeger | undefined;
  try {
    await initPostgres(postgres);
    await startPostgres(postgres);
    await script(DEPLOY_FILES.schemaScript, binaries.sqlTool, { ...serverEnvironment(state) }, env);
    for (const service of TEMPORAL_SERVICES) await startProcess(state, binaries, service, env);
    await script(
      DEPLOY_FILES.namespaceScript,
      cli.path,
      {
        ...temporalCliEnvironment(state),
        NAMESPACE: state.namespace,
        TANDEM_SEARCH_ATTRIBUTES: TANDEM_SEARCH_ATTRIBUTES.map(
          (k) => `${k.name}=${searchType(k)}`,
        ).join(' '),
      },
      env,
    );
    await startProcess(state, binaries, 'ui', env);
    jaeger = options.traces ? await startClusterJaeger(state, env, log) : undefined;
    const tandemEnv = { ...env, ...(jaeger && otlpEnv(jaeger)) };
    for (let n = 1; n <= state.workers; n++)
      await startProcess(state, binaries, `worker-${n}`, tandemEnv);
    await startProcess(state, binaries, 'gateway', tandemEnv);
  } catch (error) {
    await stopCluster(state.dir, env).catch(() => undefined);
    throw error instanceof TandemError
      ? error
      : new ClusterError(`the cluster did not start: ${(error as Error).message}`, {
          cause: error,
        });
  }
  return { ...endpoints(state), ...(jaeger && { tracesUrl: jaeger.uiUrl }) };
}

/**
 * Starts Jaeger (built on first use) as one of the cluster's processes, so `tandem cluster down`
 * stops it with the rest, on its usual ports where they are free; its traces live in its memory.
 */
async function startClusterJaeger(state: ClusterState, env: Env, log: (line: string) => void) {
  const { jaeger: binary } = await installObservabilityBinaries({ env, log });
  const jaeger = await startJaeger({
    binary,
    dir: path.join(state.dir, 'jaeger'),
    ports: await portsOrFree(JAEGER_DEFAULT_PORTS),
  });
  state.pids.jaeger = jaeger.pid;
  await writeState(state);
  return jaeger;
}

/** The addresses of the cluster described by `state`. */
export function endpoints(state: ClusterState): ClusterEndpoints {
  return {
    state,
    address: `127.0.0.1:${state.ports.frontend}`,
    uiUrl: `http://127.0.0.1:${state.ports.ui}`,
    gatewayUrl: `http://127.0.0.1:${state.ports.gateway}`,
  };
}

/** Stops every process of the cluster in `dir` by its process group, then PostgreSQL. */
export async function stopCluster(dir: string, env: Env): Promise<boolean> {
  const state = await readState(dir);
  if (state === undefined) return false;
  for (const wave of stopWaves(state)) {
    await Promise.all(
      wave.map(async (name) => {
        const pid = state.pids[name];
        if (pid !== undefined && alive(pid)) await stopGroup(pid);
        delete state.pids[name];
      }),
    );
  }
  await stopPostgres(await postgresOf(state, env));
  await writeState(state);
  return true;
}
