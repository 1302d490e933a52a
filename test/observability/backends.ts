import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { installObservabilityBinaries } from '../../src/cluster/install';
import {
  startJaeger,
  startPrometheus,
  type Jaeger,
  type Prometheus,
  type ScrapeTarget,
} from '../../src/cluster/observability';
import { freePort } from '../../src/host/machine';
import { queryTrace, type TraceSpan } from '../support/jaeger-query';
import { until } from '../support/wait';

/** A Jaeger for one test file, with its query API's answer in a test's terms. */
export interface TestJaeger extends Jaeger {
  /**
   * The spans of trace `traceId` (32 hex digits), waiting until Jaeger has them and `ready`
   * holds (default: any span), since exporters send in batches.
   */
  queryTrace(
    traceId: string,
    ready?: (spans: readonly TraceSpan[]) => boolean,
    timeoutMs?: number,
  ): Promise<TraceSpan[]>;
}

/** A Prometheus for one test file. */
export interface TestPrometheus extends Prometheus {
  /**
   * The series of the instant query `expr`, waiting until it returns at least one (scrapes come
   * every second). Throws with Prometheus's error when the expression is invalid.
   */
  promQuery(expr: string, timeoutMs?: number): Promise<PromSeries[]>;
}

/** One series of an instant vector: its labels and value. */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Jaeger and Prometheus from the cache (`npm run observability:install` builds them). */
const binaries = () =>
  installObservabilityBinaries({ env: process.env, log: (line) => console.log(line) });

/** A folder for one backend, removed when it stops. */
async function backendDir(name: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `tandem-${name}-`));
}

/** Starts Jaeger on free ports of 127.0.0.1, keeping traces in memory. */
export async function startTestJaeger(): Promise<TestJaeger> {
  const dir = await backendDir('jaeger');
  // Five different ports: a port just given back may be handed out again.
  const free = new Set<number>();
  while (free.size < 5) free.add(await freePort());
  const [otlpHttp, otlpGrpc, ui, queryGrpc, health] = [...free] as [
    number,
    number,
    number,
    number,
    number,
  ];
  const jaeger = await startJaeger({
    binary: (await binaries()).jaeger,
    dir,
    ports: { otlpHttp, otlpGrpc, ui, queryGrpc, health },
  });
  return {
    ...jaeger,
    async stop() {
      await jaeger.stop();
      await rm(dir, { recursive: true, force: true });
    },
    queryTrace: (traceId, ready, timeoutMs) => queryTrace(jaeger.uiUrl, traceId, ready, timeoutMs),
  };
}

/** Starts Prometheus on a free port of 127.0.0.1, scraping `targets` every second. */
export async function startTestPrometheus(
  targets: readonly ScrapeTarget[],
): Promise<TestPrometheus> {
  const dir = await backendDir('prometheus');
  const prometheus = await startPrometheus({
    binary: (await binaries()).prometheus,
    dir,
    port: await freePort(),
    targets,
    scrapeInterval: '1s',
  });
  return {
    ...prometheus,
    async stop() {
      await prometheus.stop();
      await rm(dir, { recursive: true, force: true });
    },
    promQuery: (expr, timeoutMs = 30_000) =>
      until(
        () => instantQuery(prometheus.url, expr),
        (series) => series.length > 0,
        {
          timeoutMs,
          message: () => `Prometheus at ${prometheus.url} returned no series for ${expr}`,
          intervalMs: 250,
        },
      ),
  };
}

/** An instant query through Prometheus's HTTP API. */
async function instantQuery(base: string, expr: string): Promise<PromSeries[]> {
  const response = await fetch(
    `${base}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`,
  );
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: {
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    };
  };
  if (body.status !== 'success') {
    throw new Error(`Prometheus refused the query ${expr}: ${body.error ?? response.status}`);
  }
  if (body.data?.resultType !== 'vector') {
    throw new Error(`${expr} is a ${body.data?.resultType}, not an instant vector`);
  }
  return body.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
}

/**
 * The addresses a process listens on for TCP (`127.0.0.1:4318`, `[::]:9090`), read from Linux's
 * /proc: its sockets, matched to the kernel's table of listening ones.
 */
export async function listeningAddresses(pid: number): Promise<string[]> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const inodes = new Set<string>();
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  const addresses: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const rows = (await readFile(`/proc/net/${table}`, 'utf8')).trim().split('\n').slice(1);
    for (const row of rows) {
      const [, local, , state, , , , , , inode] = row.trim().split(/\s+/);
      // 0A is LISTEN.
      if (state === '0A' && inodes.has(inode!)) addresses.push(decodeAddress(local!));
    }
  }
  return addresses.sort();
}

/** `0100007F:10E2` → `127.0.0.1:4322`; an IPv6 address is shown in brackets. */
function decodeAddress(hex: string): string {
  const [host, port] = hex.split(':') as [string, string];
  const portNumber = parseInt(port, 16);
  if (host.length === 8) {
    const bytes = host.match(/../g)!.map((byte) => parseInt(byte, 16));
    return `${bytes.reverse().join('.')}:${portNumber}`;
  }
  // Four little-endian 32-bit words.
  const words = host.match(/.{8}/g)!.map((word) => word.match(/../g)!.reverse().join(''));
  const groups = words
    .join('')
    .match(/.{4}/g)!
    .map((group) => group.replace(/^0+(?=.)/, ''));
  return `[${groups.join(':')}]:${portNumber}`;
}
