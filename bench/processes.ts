/**
 * The bench's child processes (targets, workers, gateway, flood), both sides of them: each is
 * started in its own process group, announces itself ready with a line of JSON, is stopped by
 * its group, and is measured from /proc, so what a process costs is read from the kernel.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { killGroup, stopGroup } from '../src/cluster/processes';
import { findProjectRoot, LOOPBACK } from '../src/host/machine';

const ROOT = findProjectRoot(__dirname);
/** Kernel clock ticks per second (`getconf CLK_TCK`): 100 on every Linux the bench runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
const READY = 'bench-ready ';
const READY_TIMEOUT_MS = 60_000;

/** A running child: `ready` is what it announced (or its `readyLine`), `output` both streams. */
export type Child<Ready = unknown> = Awaited<ReturnType<typeof startChild<Ready>>>;

/** Starts a script (a path from the repository root) and waits until it is ready. */
export async function startChild<Ready>(
  name: string,
  args: readonly string[],
  options: { env?: Record<string, string>; readyLine?: RegExp } = {},
) {
  // Under node with tsx as a loader, not as a launcher, so the pid measured does the work; in a
  // group of its own, so a stop reaches whatever it spawned too.
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid!;
  let output = '';
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<Ready>((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`${name} ${why}:\n${output}`));
    timer = setTimeout(() => fail(`was not ready in ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.on('exit', (code) => fail(`exited (${code}) before it was ready`));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output
        .split('\n')
        .find((l) => l.startsWith(READY) || options.readyLine?.test(l));
      if (line !== undefined) {
        resolve((line.startsWith(READY) ? JSON.parse(line.slice(READY.length)) : line) as Ready);
      }
    };
    for (const stream of [child.stdout, child.stderr]) stream.on('data', onData);
  });
  try {
    return { pid, ready: await ready, output: () => output, stop: () => stopGroup(pid) };
  } catch (error) {
    killGroup(pid);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a script's `main`; a failure is printed and exits with status 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/** The child's side of {@link startChild}: says it is ready, with what it offers. */
export function announceReady(ready: object): void {
  console.log(`${READY}${JSON.stringify(ready)}`);
}

export type JsonAnswer = readonly [status: number, json?: unknown];

/**
 * Serves `handle` on a free port of 127.0.0.1 and resolves to its URL: `handle` gets the request
 * and its body, and answers; a throw is a 500 that names the error.
 */
export async function serveJson(
  handle: (request: IncomingMessage, body: string) => Promise<JsonAnswer>,
): Promise<string> {
  const server = createServer((request, response) => {
    void (async () => {
      let body = '';
      for await (const chunk of request) body += String(chunk);
      const [status, json] = await handle(request, body).catch((error: unknown): JsonAnswer => [
        500,
        { error: error instanceof Error ? error.message : String(error) },
      ]);
      const text = json === undefined ? '' : JSON.stringify(json);
      response.writeHead(status, {
        ...(json !== undefined && { 'content-type': 'application/json' }),
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    })();
  });
  // Longer than the driver's pool keeps a connection idle, so the server never closes one first.
  server.keepAliveTimeout = 60_000;
  process.once('SIGTERM', () => server.close());
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  return `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
}

/** User plus system CPU time (all threads) in a `/proc/<pid>/stat` line, in ms. */
export function statCpuMs(text: string): number {
  // The command name may hold spaces and parentheses: fields are counted after its last `)`.
  const close = text.lastIndexOf(')');
  const [utime, stime] = text
    .slice(close + 2)
    .split(' ')
    .slice(11, 13)
    .map(Number);
  if (close < 0 || !Number.isInteger(utime) || !Number.isInteger(stime)) {
    throw new Error(`Not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  }
  return ((utime! + stime!) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export function cpuMs(pid: number): number {
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** A process's resident set size now, in bytes; 0 once it has ended. */
export function rssBytes(pid: number): number {
  try {
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 100 ms; `stop` returns the peak. */
export function watchRss(pid: number): { stop(): number } {
  let peak = 0;
  const sample = () => (peak = Math.max(peak, rssBytes(pid)));
  sample();
  const timer = setInterval(sample, 100).unref();
  return {
    stop() {
      clearInterval(timer);
      return sample();
    },
  };
}
