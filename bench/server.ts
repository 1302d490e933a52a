/**
 * The Temporal dev server the bench measures: started from the project's Temporal CLI as a
 * child of its own (so its CPU and memory are read from /proc), in memory, headless, with its
 * Prometheus endpoint on, and with any dynamic config a lever asks for.
 */
import { createServer } from 'node:net';
import { resolveTemporalExecutable } from '../src/dev/temporal-cli';
import { TANDEM_SEARCH_ATTRIBUTES } from '../src/search-attributes';
import { startChild, type Child } from './processes';

/** A running server. */
export interface BenchServer {
  child: Child;
  address: string;
  metricsUrl: string;
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
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
  ];
  const child = await startChild('temporal server', cli.executable.path, args, {
    readyLine: /^Temporal Server:/,
  });
  return {
    child,
    address: `127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
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

/** Reads the counters from the server's Prometheus endpoint. */
export async function readServerCounters(metricsUrl: string): Promise<ServerCounters> {
  const text = await (await fetch(metricsUrl)).text();
  const counters = Object.fromEntries(SERVER_COUNTERS.map((name) => [name, 0])) as ServerCounters;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    const name = match?.[1] as keyof ServerCounters | undefined;
    if (name !== undefined && name in counters) counters[name] += Number(match![2]);
  }
  return counters;
}

/** The difference of two counter readings. */
export function counterDelta(after: ServerCounters, before: ServerCounters): ServerCounters {
  return Object.fromEntries(
    SERVER_COUNTERS.map((name) => [name, after[name] - before[name]]),
  ) as ServerCounters;
}

/** A port free on the loopback interface now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}
