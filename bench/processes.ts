/**
 * The bench's child processes (targets, workers, gateway, flood): each runs in its own process
 * group, is stopped by that group, and is measured from /proc, so what a process costs is read
 * from the kernel rather than estimated.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { killGroup, stopGroup } from '../src/cluster/processes';
import { findProjectRoot } from '../src/host/machine';

/** The repository root, where `tsx` and the sources are. */
export const ROOT = findProjectRoot(__dirname);
/** Kernel clock ticks per second (`getconf CLK_TCK`): 100 on every Linux the bench runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
const READY = 'bench-ready ';
const READY_TIMEOUT_MS = 60_000;

/** A running child; `ready` is the JSON it printed after `bench-ready `. */
export interface Child<Ready = unknown> {
  name: string;
  pid: number;
  ready: Ready;
  /** Output so far (both streams), for error messages. */
  output(): string;
  /** Sends SIGTERM to the whole group and waits; SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/**
 * Starts a script (a path from the repository root) and waits until it prints its ready line
 * (or exits, or a minute passes).
 */
export async function startChild<Ready>(
  name: string,
  args: readonly string[],
  options: { env?: Record<string, string>; readyLine?: RegExp } = {},
): Promise<Child<Ready>> {
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
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} was not ready in ${READY_TIMEOUT_MS} ms:\n${output}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output
        .split('\n')
        .find((l) => l.startsWith(READY) || options.readyLine?.test(l));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve((line.startsWith(READY) ? JSON.parse(line.slice(READY.length)) : line) as Ready);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    killGroup(pid);
    await exited;
    throw error;
  });
  return { name, pid, ready, output: () => output, stop: () => stopGroup(pid) };
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

/** A process's CPU time so far, in ms. */
export function cpuMs(pid: number): number {
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** A process's resident set size now, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kib === undefined ? 0 : Number(kib) * 1024;
}

/** Samples a process's RSS until stopped; returns the peak. */
export function watchRss(pid: number, everyMs = 100): { stop(): number } {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // The process ended; keep its last peak.
    }
  };
  sample();
  const timer = setInterval(sample, everyMs).unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** The 1-minute load average, read where the kernel keeps it. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
