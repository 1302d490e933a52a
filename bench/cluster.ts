/**
 * The bench's Temporal cluster (`--cluster`): what `tandem cluster` runs (PostgreSQL, Temporal's
 * four services as processes, the UI and the gateway), made fresh in a temporary state folder
 * with the bench's config and no Tandem workers of its own: the bench runs its own worker
 * processes, so their settings and memory stay the bench's to set and read.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { postgresOf, startCluster, stopCluster } from '../src/cluster/cluster';
import { metricsUrl } from '../src/cluster/specs';
import { TEMPORAL_SERVICES, type ClusterState } from '../src/cluster/state';
import type { BenchConfigDocument } from './config';
import { readProcStats, treeCpuMs } from './processes';
import type { BenchServer } from './server';

/** The cluster's processes whose CPU the bench counts as the server's, in report order. */
export const CLUSTER_PARTS = ['frontend', 'history', 'matching', 'worker', 'postgres'] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Starts a fresh cluster with `historyShards`; its `stop` removes its state folder too. */
export async function startBenchCluster(options: {
  historyShards: number;
  document: BenchConfigDocument;
  env: Env;
  log: (line: string) => void;
}): Promise<BenchServer> {
  const { env } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-cluster-'));
  // PostgreSQL runs as its own user when the bench runs as root: it must reach the folder.
  await chmod(dir, 0o755);
  const configPath = path.join(dir, 'bench.yaml');
  await writeFile(configPath, stringify(options.document));
  const stateDir = path.join(dir, 'state');
  let state: ClusterState;
  let postmaster: number;
  try {
    ({ state } = await startCluster({
      dir: stateDir,
      configPath,
      env,
      log: options.log,
      workers: 0,
      historyShards: options.historyShards,
      // Any free ports: a `tandem cluster` on this machine keeps its own.
      ports: { frontend: 0, ui: 0, gateway: 0 },
    }));
    const pidFile = path.join((await postgresOf(state, env)).dataDir, 'postmaster.pid');
    postmaster = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  } catch (error) {
    await stopCluster(stateDir, env).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const pids = state.pids;
  let stopped: Promise<void> | undefined;
  return {
    address: `127.0.0.1:${state.ports.frontend}`,
    metricsUrls: TEMPORAL_SERVICES.map((service) => {
      const url = metricsUrl(state, service);
      if (url === undefined) throw new Error(`The cluster's ${service} has no metrics port`);
      return url;
    }),
    cpuMs() {
      const stats = readProcStats();
      return Object.fromEntries(
        CLUSTER_PARTS.map((part) => [
          part,
          treeCpuMs(stats, part === 'postgres' ? postmaster : pids[part]!),
        ]),
      );
    },
    stop: () =>
      (stopped ??= (async () => {
        await stopCluster(stateDir, env);
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}
