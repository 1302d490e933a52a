import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const entry = path.join(root, 'src', 'cli', 'main.ts');

/** How a spawned process ended, with everything it wrote. */
export interface ProcessExit {
  /** Exit code; `null` when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A child process a test started, in a process group of its own. */
export interface SpawnedProcess {
  child: ChildProcess;
  /** Resolves with stdout so far once it contains `text`; rejects on timeout or exit first. */
  waitForOutput(text: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code and both outputs when the process ends. */
  exited: Promise<ProcessExit>;
  /** Sends `signal` to the whole group (the child and whatever it started). */
  kill(signal?: NodeJS.Signals): void;
}

/** Options of {@link spawnProcess}. */
export interface SpawnOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Written to the child's standard input, which is then closed; default: no input. */
  stdin?: string;
}

// Killed when the test file ends, whatever the test did: a `tandem dev` left running would keep
// its Temporal server (a grandchild) and ports alive.
const running = new Set<SpawnedProcess>();
afterAll(() => {
  for (const spawned of running) spawned.kill('SIGKILL');
});

/**
 * Spawns `command` in a process group of its own (so a kill reaches its children too), in the
 * project root, collecting its output. The group is SIGKILLed at the end of the test file if it
 * is still running.
 */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): SpawnedProcess {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    waiters.forEach((check) => check());
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<ProcessExit>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  const spawned: SpawnedProcess = {
    child,
    exited,
    kill(signal = 'SIGTERM') {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch (error) {
        // The group is gone already: nothing left to stop.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
    waitForOutput: (text, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const settle = (outcome: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          outcome();
        };
        const timer = setTimeout(() => {
          const error = `no "${text}" within ${timeoutMs}ms; stdout: ${stdout}; stderr: ${stderr}`;
          settle(() => reject(new Error(error)));
        }, timeoutMs);
        const check = () => {
          if (stdout.includes(text)) settle(() => resolve(stdout));
        };
        waiters.add(check);
        void exited.then(() => {
          const error = `exited before "${text}"; stdout: ${stdout}; stderr: ${stderr}`;
          if (waiters.has(check)) settle(() => reject(new Error(error)));
        });
        check();
      }),
  };
  running.add(spawned);
  void exited.then(() => running.delete(spawned));
  return spawned;
}

/** Spawns `tandem <args>` the way a user types it, with `env` added to this environment. */
export function spawnTandem(
  args: readonly string[],
  env: Record<string, string> = {},
  options: Omit<SpawnOptions, 'env'> = {},
): SpawnedProcess {
  // tsx as a loader, not as a launcher: its launcher runs the program in a grandchild, which a
  // SIGKILL of the child would leave running.
  return spawnProcess(process.execPath, ['--import', 'tsx', entry, ...args], { ...options, env });
}
