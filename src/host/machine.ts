import { spawn } from 'node:child_process';
import { constants as fsConstants, existsSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

/** The only interface the local tools listen on: they are for this machine, not the network. */
export const LOOPBACK = '127.0.0.1';

/** Outcome of running a command to completion. */
export interface CommandResult {
  /** Exit code; `null` when a signal ended the process. */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion. Resolves whatever the exit code; rejects only when the command
 * cannot be started (e.g. an `ENOENT` error when it is not installed).
 */
export type CommandRunner = (
  command: string,
  args: readonly string[],
  options: { readonly env: Readonly<Record<string, string | undefined>> },
) => Promise<CommandResult>;

/** {@link CommandRunner} over `child_process.spawn`, capturing output rather than inheriting it. */
export const runCommand: CommandRunner = (command, args, { env }) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });

/**
 * Why `file` cannot be run (`is not a file`, `does not exist`, …, with the file system's error
 * as `cause`), or `undefined` when it is an executable file.
 */
export async function executableProblem(file: string): Promise<Error | undefined> {
  try {
    if (!(await stat(file)).isFile()) return new Error('is not a file');
    await access(file, fsConstants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new Error('does not exist', { cause: error });
    if (code === 'EACCES') return new Error('is not executable', { cause: error });
    return new Error(`cannot be checked (${String(error)})`, { cause: error });
  }
}

/** The last `count` non-blank lines of a command's output, joined with ` | `, for one-line errors. */
export function lastLines(text: string, count: number): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length === 0 ? '(no output)' : lines.slice(-count).join(' | ');
}

/** A port free on the loopback interface right now (whoever asked binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error(`Could not read the port of a probe socket on ${LOOPBACK}: got ${address}`);
  }
  return address.port;
}

/**
 * The project root: nearest folder above `from` holding a package.json. A `dist` folder is stepped
 * over because the build may copy package.json into it, and tools belong beside the sources.
 */
export function findProjectRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'dist' && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(`No package.json above ${from}: cannot tell where the project root is.`);
    }
  }
}
