import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { alive } from '../cluster/processes';
import { readState } from '../cluster/state';
import { findProjectRoot } from '../host/machine';

type Env = Readonly<Record<string, string | undefined>>;

// Loaded on use: starting and stopping a cluster pulls in the gateway's codec and the installers,
// which the rest of the command line must not load.
const clusterControl = () => import('../cluster/cluster.js');

function count(what: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`Give a number of ${what} from 1 to ${max}.`);
    }
    return n;
  };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 32767) {
    throw new InvalidArgumentError('Give a port number from 1 to 32767.');
  }
  return n;
}

/** Resolves at the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

interface UpOptions {
  dir: string;
  workers?: number;
  shards?: number;
  port?: number;
  uiPort?: number;
  gatewayPort?: number;
  traces?: boolean;
}

async function up(options: UpOptions, configPath: string, env: Env): Promise<void> {
  const print = (line: string) => console.log(line);
  const started = Date.now();
  const { startCluster, stopCluster } = await clusterControl();
  const cluster = await startCluster({
    dir: options.dir,
    configPath,
    env,
    log: print,
    ...(options.workers !== undefined && { workers: options.workers }),
    ...(options.shards !== undefined && { historyShards: options.shards }),
    ...(options.traces && { traces: true }),
    ports: {
      ...(options.port !== undefined && { frontend: options.port }),
      ...(options.uiPort !== undefined && { ui: options.uiPort }),
      ...(options.gatewayPort !== undefined && { gateway: options.gatewayPort }),
    },
  });
  const { state } = cluster;
  const { ports } = state;
  const logs = path.join(state.dir, 'logs');
  const key = env.TANDEM_API_KEYS ? '(from TANDEM_API_KEYS)' : state.gatewayKey;
  print(`\nTandem on a Temporal cluster, up in ${((Date.now() - started) / 1000).toFixed(0)} s:`);
  print(
    `Temporal frontend  ${cluster.address}  (namespace ${state.namespace}${state.tls ? ', mTLS' : ''})`,
  );
  print(
    `Temporal services  history 127.0.0.1:${ports.history} (${state.historyShards} shards), ` +
      `matching 127.0.0.1:${ports.matching}, worker 127.0.0.1:${ports.worker}`,
  );
  print(`Temporal Web UI    ${cluster.uiUrl}`);
  print(
    `PostgreSQL         127.0.0.1:${ports.postgres}  (temporal, temporal_visibility; data in ${path.join(state.dir, 'postgres')})`,
  );
  print(`Tandem workers     ${state.workers} processes`);
  print(`HTTP gateway       ${cluster.gatewayUrl}  (API key ${key})`);
  if (cluster.tracesUrl)
    print(`Traces (Jaeger)    ${cluster.tracesUrl}  (workers and gateway export to it)`);
  print(
    `Tandem config      ${state.tandemConfig}  (TANDEM_CONFIG=${state.tandemConfig} npm run -s tandem -- list)`,
  );
  print(`Logs               ${logs}`);
  print('Ctrl-C (or "tandem cluster down" elsewhere) stops it; its data stays for the next start.');
  // Keeps this process up (signal handlers alone do not) and says when a process of it dies.
  const reported = new Set<string>();
  const watchdog = setInterval(() => {
    void readState(state.dir).then((now) => {
      for (const [name, pid] of Object.entries(now?.pids ?? {})) {
        if (alive(pid) || reported.has(`${name}:${pid}`)) continue;
        reported.add(`${name}:${pid}`);
        print(
          `tandem cluster: ${name} (pid ${pid}) has stopped; its log: ${path.join(logs, `${name}.log`)}`,
        );
      }
    });
  }, 2000);
  const signal = await untilSignal();
  clearInterval(watchdog);
  print(`tandem cluster: ${signal}: stopping (workers finish in-flight attempts first)…`);
  await stopCluster(state.dir, env);
  print('tandem cluster: stopped');
}

async function down(dir: string, env: Env): Promise<void> {
  const state = await readState(dir);
  if (state === undefined) {
    console.log(`tandem cluster: no cluster in ${dir}; nothing to stop`);
    return;
  }
  const { endpoints, stopCluster } = await clusterControl();
  const running = Object.keys(state.pids);
  await stopCluster(dir, env);
  console.log(
    `tandem cluster: stopped ${running.length > 0 ? running.join(', ') : 'PostgreSQL'} (${endpoints(state).address}); data kept in ${dir}`,
  );
}

/** Adds `tandem cluster` and `tandem cluster down` to the command line. */
export function registerCluster(cli: Command, env: Env, configPath: () => string): void {
  const defaultDir = () => path.join(findProjectRoot(), '.tandem', 'cluster');
  const cluster = cli
    .command('cluster')
    .summary(
      'run the production topology on this machine: PostgreSQL, Temporal services, UI, workers, gateway',
    )
    .description(
      "Start PostgreSQL, Temporal's frontend, history, matching and worker services as separate " +
        'processes (the server config docker-compose.yml deploys: deploy/temporal), the Temporal ' +
        'Web UI, several tandem worker processes and the HTTP gateway, for the targets of the ' +
        'config in TANDEM_CONFIG; print where everything is, and run until Ctrl-C. The first start ' +
        'builds Temporal Server and its UI into ~/.cache/tandem (minutes); later ones take seconds. ' +
        'State (database, ports, logs) stays in --dir for the next start.',
    )
    .option('--dir <dir>', 'where the cluster keeps its state (default .tandem/cluster)')
    .option('--workers <n>', 'tandem worker processes (default 2)', count('workers', 32))
    .option(
      '--shards <n>',
      'history shards of a new cluster (default 4; fixed once made)',
      count('shards', 1024),
    )
    .option(
      '--port <port>',
      'Temporal frontend gRPC port of a new cluster (default 7233 if free)',
      port,
    )
    .option(
      '--ui-port <port>',
      'Temporal Web UI port of a new cluster (default 8233 if free)',
      port,
    )
    .option(
      '--gateway-port <port>',
      'HTTP gateway port of a new cluster (default 8080 if free)',
      port,
    )
    .option(
      '--traces',
      "also start Jaeger (built on first use) and send the workers' and gateway's traces to it",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ tandem cluster --workers 3\n  $ tandem cluster --traces\n  $ tandem cluster down',
    )
    .action((options: UpOptions & { dir?: string }) =>
      up({ ...options, dir: path.resolve(options.dir ?? defaultDir()) }, configPath(), env),
    );
  cluster
    .command('down')
    .description('stop the cluster running from --dir (its data stays)')
    .option('--dir <dir>', "the cluster's state folder (default .tandem/cluster)")
    // `tandem cluster down --dir X`: the parent command, which has --dir too, may have taken it.
    .action((options: { dir?: string }, command: Command) => {
      const dir = options.dir ?? command.parent?.opts<{ dir?: string }>().dir ?? defaultDir();
      return down(path.resolve(dir), env);
    });
}
