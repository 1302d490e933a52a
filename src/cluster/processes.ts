import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

type Env = Readonly<Record<string, string | undefined>>;

/** How to run one of the cluster's processes. */
export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Env;
  readonly cwd?: string;
  /** Its stdout and stderr are appended here. */
  readonly logFile: string;
}

/**
 * Starts a process in a process group of its own, its output appended to its log file. It
 * outlives this process on purpose: `tandem cluster down` (or the supervisor) stops the group.
 */
export function spawnDetached(spec: ProcessSpec): number {
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], {
      env: spec.env,
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Whether a process with this id exists (a zombie counts until reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** SIGKILLs a process group at once: what a crash looks like. */
export function killGroup(pid: number): void {
  signalGroup(pid, 'SIGKILL');
}

/** SIGTERMs a process group, waits for its leader to go, and SIGKILLs it after `graceMs`. */
export async function stopGroup(pid: number, graceMs = 15_000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  signalGroup(pid, 'SIGKILL');
  while (alive(pid)) await sleep(50);
}

/** Waits until something accepts TCP connections on 127.0.0.1:`port`. */
export async function waitForPort(port: number, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (Date.now() > deadline)
      throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` until it returns true, or throws `message` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  message: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(250);
  }
}
