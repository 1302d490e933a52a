import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const entry = path.join(root, 'src', 'cli', 'main.ts');

/** A `tandem` command run as a child process, the way a user types it. */
export interface TandemProcess {
  child: ChildProcess;
  /** Resolves with stdout so far once it contains `text`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code and both outputs when the process ends. */
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Spawns `tandem <args>` with `env` added to this process's environment. */
export function spawnTandem(args: string[], env: Record<string, string> = {}): TandemProcess {
  // tsx as a loader, not as a launcher: its launcher runs the program in a grandchild, which a
  // SIGKILL of the child would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    waiters.forEach((check) => check());
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    child,
    exited,
    waitForOutput: (text, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no "${text}" within ${timeoutMs}ms; stdout: ${stdout}; stderr: ${stderr}`),
          );
        }, timeoutMs);
        const check = () => {
          if (!stdout.includes(text)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(stdout);
        };
        waiters.add(check);
        void exited.then(() => {
          if (waiters.has(check)) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`exited before "${text}"; stdout: ${stdout}; stderr: ${stderr}`));
          }
        });
        check();
      }),
  };
}
