/**
 * The bench's child processes (Temporal server, targets, workers, gateway): each runs in its
 * own process group, is stopped by that group, and is measured from /proc, so what a process
 * costs is read from the kernel rather than estimated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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

/** The fields of `/proc/<pid>/stat` the bench reads; times in clock ticks. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** User and system time of the process itself (all its threads). */
  utime: number;
  stime: number;
  /** User and system time of its children that exited and were waited for. */
  cutime: number;
  cstime: number;
}

/** Parses one `/proc/<pid>/stat` line. */
export function parseStat(text: string): ProcStat {
  // The command name may hold spaces and parentheses: fields are counted after its last `)`.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const stat = {
    pid: Number(text.slice(0, text.indexOf(' '))),
    ppid: Number(fields[1]),
    utime: Number(fields[11]),
    stime: Number(fields[12]),
    cutime: Number(fields[13]),
    cstime: Number(fields[14]),
  };
  if (close < 0 || Object.values(stat).some((n) => !Number.isInteger(n))) {
    throw new Error(`Not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  }
  return stat;
}

const ticksToMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;

/** User plus system CPU time of a process (all its threads) so far, in ms. */
export function cpuMs(pid: number): number {
  const { utime, stime } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return ticksToMs(utime + stime);
}

/**
 * CPU ticks of the process `root` and its descendants among `stats`: each live one's own time
 * plus that of its children that exited (cutime/cstime), so a child that ends between two
 * readings moves from one term to the other instead of vanishing (PostgreSQL's backends).
 */
export function treeCpuTicks(stats: readonly ProcStat[], root: number): number {
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const rootStat = stats.find((s) => s.pid === root);
  if (rootStat === undefined) throw new Error(`No process ${root} among the stats read`);
  let ticks = 0;
  const pending = [rootStat];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    ticks += next.utime + next.stime + next.cutime + next.cstime;
    pending.push(...(children.get(next.pid) ?? []));
  }
  return ticks;
}

/** The stat of every process on this machine now. */
export function readProcStats(): ProcStat[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      return [parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8'))];
    } catch {
      // It ended while the folder was read.
      return [];
    }
  });
}

/** {@link treeCpuTicks} in ms. */
export function treeCpuMs(stats: readonly ProcStat[], root: number): number {
  return ticksToMs(treeCpuTicks(stats, root));
}

/** A process's resident set size now, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kib === undefined ? 0 : Number(kib) * 1024;
}

/** Peaks of RSS sampled together: each process's, and the sum's at one sampling instant. */
export interface RssPeaks {
  perProcess: number[];
  sum: number;
}

/** Samples the processes' RSS until stopped; returns the peaks. */
export function watchRss(pids: readonly number[], everyMs = 100): { stop(): RssPeaks } {
  const perProcess = pids.map(() => 0);
  let sum = 0;
  const sample = () => {
    let now = 0;
    pids.forEach((pid, i) => {
      try {
        const rss = rssBytes(pid);
        perProcess[i] = Math.max(perProcess[i]!, rss);
        now += rss;
      } catch {
        // The process ended; keep its last peak.
      }
    });
    sum = Math.max(sum, now);
  };
  sample();
  const timer = setInterval(sample, everyMs).unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { perProcess, sum };
    },
  };
}

/** The 1-minute load average, read where the kernel keeps it. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
