import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

/** Temporal's four services, each run as a process of its own. */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
/** One of {@link TEMPORAL_SERVICES}. */
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/** Files for mTLS on the frontend: the server's certificate and the CA its clients' are signed by. */
export interface ClusterTls {
  /** CA that signed the frontend's certificate (what clients trust). */
  readonly serverCa: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** CA that signed the clients' certificates (what the frontend trusts). */
  readonly clientCa: string;
  /** A client certificate for the cluster's own clients (system worker, UI, setup, Tandem). */
  readonly clientCert: string;
  readonly clientKey: string;
  /** The name in the frontend's certificate. */
  readonly serverName: string;
}

/** The name of the port a Temporal service serves its Prometheus metrics on. */
export type MetricsPortName = `${TemporalService}Metrics`;
/** The {@link ClusterPorts} name of `service`'s metrics port. */
export const metricsPortName = (service: TemporalService): MetricsPortName => `${service}Metrics`;

/**
 * The ports a cluster listens on, all on 127.0.0.1; kept so a restart uses the same ones. The
 * metrics ports are optional: a state file written before they existed still loads, and its
 * cluster gets them at its next start.
 */
export interface ClusterPorts extends Partial<Record<MetricsPortName, number>> {
  postgres: number;
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  ui: number;
  gateway: number;
}

/** The ports every cluster state has (the metrics ports aside), in the order they are chosen. */
export const REQUIRED_PORTS = [
  'postgres',
  'frontend',
  'frontendHttp',
  'frontendMembership',
  'history',
  'historyMembership',
  'matching',
  'matchingMembership',
  'worker',
  'workerMembership',
  'ui',
  'gateway',
] as const satisfies readonly (keyof ClusterPorts)[];

/** What a cluster is, kept in `<dir>/cluster.json` (mode 600: it holds the database password). */
export interface ClusterState {
  readonly dir: string;
  readonly ports: ClusterPorts;
  readonly historyShards: number;
  readonly namespace: string;
  readonly postgresPassword: string;
  /** The key the gateway requires when TANDEM_API_KEYS sets none. */
  readonly gatewayKey: string;
  readonly tls?: ClusterTls;
  /** The config the Tandem workers and gateway read, written beside this file. */
  readonly tandemConfig: string;
  readonly workers: number;
  /** Process group leaders by name (`history`, `ui`, `worker-1`, `gateway`, …). */
  pids: Record<string, number>;
}

/** Path of the state file of the cluster kept in `dir`. */
export const stateFile = (dir: string) => path.join(dir, 'cluster.json');

/** The cluster kept in `dir`, or `undefined` when there is none yet. */
export async function readState(dir: string): Promise<ClusterState | undefined> {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return { ...(JSON.parse(await readFile(file, 'utf8')) as ClusterState), dir };
}

/** Saves the state in one step, so a reader never sees half a file. */
export async function writeState(state: ClusterState): Promise<void> {
  await mkdir(state.dir, { recursive: true });
  const partial = `${stateFile(state.dir)}.${process.pid}`;
  await writeFile(partial, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(partial, stateFile(state.dir));
}

/** A random secret for a local-only credential. */
export const secret = (bytes = 18) => randomBytes(bytes).toString('hex');

/** Where Temporal's own ports start: its membership table keeps ports as smallint (< 32768). */
const TEMPORAL_DEFAULTS: Partial<ClusterPorts> = {
  frontend: 7233,
  frontendHttp: 7243,
  frontendMembership: 6933,
  history: 7234,
  historyMembership: 6934,
  matching: 7235,
  matchingMembership: 6935,
  worker: 7239,
  workerMembership: 6939,
};
const SMALLINT_LIMIT = 32768;

/**
 * Ports for a cluster: those in `kept` (a cluster's own, from its state) as they are; for the
 * others, each preferred one when it is free. Otherwise Temporal's ports are the next free ones
 * above their defaults (kept below 32768), the others any free port.
 */
export async function choosePorts(
  preferred: Partial<ClusterPorts>,
  kept: Partial<ClusterPorts> = {},
): Promise<ClusterPorts> {
  const names: (keyof ClusterPorts)[] = [
    ...REQUIRED_PORTS,
    ...TEMPORAL_SERVICES.map(metricsPortName),
  ];
  const ports = { ...kept } as ClusterPorts;
  const taken = new Set(Object.values(kept));
  for (const name of names) {
    if (kept[name] !== undefined) continue;
    const wanted = preferred[name];
    const usable = async (port: number) => !taken.has(port) && (await isFree(port));
    let port: number | undefined =
      wanted !== undefined && wanted !== 0 && (await usable(wanted)) ? wanted : undefined;
    const base = TEMPORAL_DEFAULTS[name];
    if (port === undefined && base !== undefined) {
      // Steps of 10 keep a cluster's ports apart from a neighbour's defaults (7233, 7234, …).
      for (let p = base + 10; p < SMALLINT_LIMIT && port === undefined; p += 10) {
        if (await usable(p)) port = p;
      }
    }
    port ??= await freePort(taken);
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

/** Each of `preferred`'s ports when it is free on 127.0.0.1, else another free one. */
export async function portsOrFree<K extends string>(
  preferred: Readonly<Record<K, number>>,
): Promise<Record<K, number>> {
  const taken = new Set<number>();
  const ports = {} as Record<K, number>;
  for (const name of Object.keys(preferred) as K[]) {
    const wanted = preferred[name];
    const port = !taken.has(wanted) && (await isFree(wanted)) ? wanted : await freePort(taken);
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

async function freePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await listenOn(0);
    if (port !== undefined && !taken.has(port)) return port;
  }
}

async function isFree(port: number): Promise<boolean> {
  return (await listenOn(port)) !== undefined;
}

/** Listens on 127.0.0.1:`port` for a moment; the port it got, or `undefined` if it was taken. */
function listenOn(port: number): Promise<number | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address ? address.port : undefined),
      );
    });
  });
}
