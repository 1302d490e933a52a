/**
 * The Temporal dev server the bench measures: `tandem dev`'s (in memory, Tandem's search
 * attributes and the deployment's dynamic config), with its Prometheus endpoint on, its CPU read
 * from /proc, and the server counters the report shows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { startLocalTemporal } from '../src/dev/local-system';
import { freePort } from '../src/host/machine';

/** A running dev server, its metrics endpoint, and the pid its CPU is read from. */
export type BenchServer = Awaited<ReturnType<typeof startBenchServer>>;

/** Starts the dev server, with the Temporal CLI a user's `tandem dev` would use. */
export async function startBenchServer(log: (line: string) => void) {
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
    throw new Error(
      `No process with --metrics-port ${metricsPort}: the server's CPU is unreadable`,
    );
  }
  return { server, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, pid: Number(pid) };
}

/** Names of the server counters the bench reads. */
const SERVER_COUNTERS = [
  'poll_success',
  'poll_success_sync',
  'workflow_eager_execution',
  'activity_eager_execution',
] as const;

/** Server counters summed over their labels. */
export type ServerCounters = Record<(typeof SERVER_COUNTERS)[number], number>;

/** The counters in one Prometheus text exposition, summed over their labels. */
export function parseServerCounters(text: string): ServerCounters {
  const counters = Object.fromEntries(SERVER_COUNTERS.map((name) => [name, 0])) as ServerCounters;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    const name = match?.[1] as keyof ServerCounters | undefined;
    if (name !== undefined && name in counters) counters[name] += Number(match![2]);
  }
  return counters;
}

/** Reads the server's counters. */
export async function readServerCounters(metricsUrl: string): Promise<ServerCounters> {
  const answer = await fetch(metricsUrl);
  if (!answer.ok) throw new Error(`${metricsUrl} answered ${answer.status}`);
  return parseServerCounters(await answer.text());
}

/** The difference of two counter readings, per `count` deliveries. */
export function counterDelta(after: ServerCounters, before: ServerCounters, count = 1) {
  const delta = SERVER_COUNTERS.map((name) => [name, (after[name] - before[name]) / count]);
  return Object.fromEntries(delta) as ServerCounters;
}
