/**
 * The Temporal dev server the bench measures: started from the project's Temporal CLI as a
 * child of its own (so its CPU and memory are read from /proc), in memory, headless, with its
 * Prometheus endpoint on, with the dynamic config a deployment runs
 * (deploy/temporal/dynamicconfig.yaml, as `tandem dev` does) and any a lever asks for.
 */
import { devServerDynamicConfigFlags } from '../src/dev/dynamic-config';
import { freePort } from '../src/host/machine';
import { resolveTemporalExecutable } from '../src/host/temporal-cli';
import { TANDEM_SEARCH_ATTRIBUTES } from '../src/contract/search-attributes';
import { cpuMs, startChild } from './processes';

/** A running Temporal server: the dev server, or a cluster's services and database. */
export interface BenchServer {
  address: string;
  /** Every Prometheus endpoint of the server; counters are summed over them. */
  metricsUrls: readonly string[];
  /**
   * CPU-ms so far of each of the server's processes, by name: `server` for the dev server;
   * `frontend`, `history`, `matching`, `worker` and `postgres` on a cluster.
   */
  cpuMs(): Record<string, number>;
  /** Stops every process of the server by its process group. */
  stop(): Promise<void>;
}

/** The dev server's names for search attribute types (`--search-attribute Name=Type`). */
const CLI_TYPE_NAMES: Record<string, string> = {
  KEYWORD: 'Keyword',
  KEYWORD_LIST: 'KeywordList',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
};

/** Starts a server; `dynamicConfig` becomes `--dynamic-config-value KEY=JSON` flags. */
export async function startBenchServer(
  dynamicConfig: Readonly<Record<string, unknown>>,
  log: (line: string) => void,
): Promise<BenchServer> {
  const cli = await resolveTemporalExecutable({ env: process.env, log });
  if (cli.executable.type !== 'existing-path') {
    throw new Error('The bench needs the Temporal CLI on disk: run `npm run temporal:install`.');
  }
  const [port, metricsPort] = [await freePort(), await freePort()];
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--metrics-port',
    String(metricsPort),
    '--headless',
    '--log-level',
    'error',
    ...TANDEM_SEARCH_ATTRIBUTES.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${CLI_TYPE_NAMES[key.type] ?? key.type}`,
    ]),
    // The deployment's dynamic config first: a lever's value for the same key comes later and wins.
    ...devServerDynamicConfigFlags(),
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
  ];
  const child = await startChild('temporal server', cli.executable.path, args, {
    readyLine: /^Temporal Server:/,
  });
  return {
    address: `127.0.0.1:${port}`,
    metricsUrls: [`http://127.0.0.1:${metricsPort}/metrics`],
    cpuMs: () => ({ server: cpuMs(child.pid) }),
    stop: () => child.stop(),
  };
}

/** Names of the server counters the bench reads. */
export const SERVER_COUNTERS = [
  'poll_success',
  'poll_success_sync',
  'workflow_eager_execution',
  'activity_eager_execution',
] as const;

/** Server counters summed over their labels. */
export type ServerCounters = Record<(typeof SERVER_COUNTERS)[number], number>;

const noCounters = () =>
  Object.fromEntries(SERVER_COUNTERS.map((name) => [name, 0])) as ServerCounters;

/** The counters in one Prometheus text exposition, summed over their labels. */
export function parseServerCounters(text: string): ServerCounters {
  const counters = noCounters();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    const name = match?.[1] as keyof ServerCounters | undefined;
    if (name !== undefined && name in counters) counters[name] += Number(match![2]);
  }
  return counters;
}

/** Counters of several processes (a cluster's services) as one server's. */
export function sumCounters(readings: readonly ServerCounters[]): ServerCounters {
  const sum = noCounters();
  for (const reading of readings) for (const name of SERVER_COUNTERS) sum[name] += reading[name];
  return sum;
}

/** Reads the counters from every Prometheus endpoint of the server and sums them. */
export async function readServerCounters(metricsUrls: readonly string[]): Promise<ServerCounters> {
  const texts = await Promise.all(
    metricsUrls.map(async (url) => {
      const answer = await fetch(url);
      if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
      return answer.text();
    }),
  );
  return sumCounters(texts.map(parseServerCounters));
}

/** The difference of two counter readings. */
export function counterDelta(after: ServerCounters, before: ServerCounters): ServerCounters {
  return Object.fromEntries(
    SERVER_COUNTERS.map((name) => [name, after[name] - before[name]]),
  ) as ServerCounters;
}
