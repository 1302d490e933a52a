/**
 * The bench's child processes (Temporal server, targets, workers, gateway): each runs in its
 * own process group, is stopped by that group, and is measured from /proc, so what a process
 * costs is read from the kernel rather than estimated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root, where `tsx` and the sources are. */
export const ROOT = path.resolve(__dirname, '..');
/** Kernel clock ticks per second (`getconf CLK_TCK`): 100 on every Linux the bench runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
const READY = 'bench-ready ';

/** A running child; `ready` is the JSON it printed after `bench-ready `. */
export interface Child<Ready = unknown> {
  name: string;
  pid: number;
  ready: Ready;
  /** Output so far (both streams), for error messages. */
  output(): string;
  /** Sends SIGTERM to the whole group and waits; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a process and waits until it prints its ready line (or exits, or `timeoutMs` passes). */
export async function startChild<Ready>(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; readyLine?: RegExp; timeoutMs?: number } = {},
): Promise<Child<Ready>> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own group: a stop reaches whatever it spawned too.
    detached: true,
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${name} was not ready in ${options.timeoutMs ?? 60_000} ms:\n${output}`)),
      options.timeoutMs ?? 60_000,
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
    killGroup(child, 'SIGKILL');
    await exited;
    throw error;
  });
  return {
    name,
    pid: child.pid!,
    ready,
    output: () => output,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts a bench entry point (a `.ts` file in bench/) under node with tsx as a loader. */
export function startNodeChild<Ready>(
  name: string,
  file: string,
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): Promise<Child<Ready>> {
  // tsx as a loader, not as a launcher, so the pid measured is the process doing the work.
  return startChild<Ready>(
    name,
    process.execPath,
    [...nodeFlags, '--import', 'tsx', path.join(ROOT, 'bench', file)],
    { env },
  );
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** User plus system CPU time of a process (all its threads) so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** A process's resident set size now, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kib === undefined ? 0 : Number(kib) * 1024;
}

/** Samples a process's RSS until stopped; returns the peak. */
export function watchRss(pid: number, everyMs = 100): { peak(): number; stop(): number } {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // The process ended; keep the last peak.
    }
  };
  sample();
  const timer = setInterval(sample, everyMs).unref();
  return {
    peak: () => peak,
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
