import path from 'node:path';
import { ChromiumUnavailableError } from '../src/host/errors';
import {
  executableProblem,
  lastLines,
  runCommand,
  type CommandResult,
  type CommandRunner,
} from '../src/host/machine';

/** Where Debian's `chromium` package puts the browser. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Options of {@link ensureChromium}. */
export interface EnsureChromiumOptions {
  /** Environment to read `CHROMIUM_PATH` and `PATH` from; also passed to apt-get. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Runs apt-get and the browser. Default: {@link runCommand}. */
  readonly run?: CommandRunner;
  /** Receives one line when an install starts. Default: silent. */
  readonly log?: (line: string) => void;
  /** Whether apt-get may install the browser when none is found. Default `true`. */
  readonly allowInstall?: boolean;
  /** Whether this process runs as root (apt-get needs it). Default: from `process.getuid()`. */
  readonly isRoot?: boolean;
  /** Where the package installs the browser. Default {@link DEBIAN_CHROMIUM}. */
  readonly packagePath?: string;
}

/** A Chromium ready to drive with playwright-core's `executablePath`. */
export interface FoundChromium {
  /** Absolute path of the executable. */
  readonly path: string;
  /** What `--version` printed, e.g. `Chromium 131.0.6778.85 built on Debian 12`. */
  readonly version: string;
  /** Whether this call installed it. */
  readonly installed: boolean;
}

/**
 * Finds a Chromium for the browser test, installing Debian's `chromium` package when allowed
 * (`npm run browser:install`, which `npm test` runs first; the test itself only looks):
 * `CHROMIUM_PATH`, then `/usr/bin/chromium`, then `chromium` on `PATH`, then
 * `apt-get install -y chromium` (after `apt-get update` when apt does not know the package yet).
 * Never downloads a browser build of its own.
 *
 * @throws {@link ChromiumUnavailableError} when none is found and apt-get cannot install one.
 */
export async function ensureChromium(options: EnsureChromiumOptions): Promise<FoundChromium> {
  const run = options.run ?? runCommand;
  const log = options.log ?? (() => undefined);
  const configured = options.env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== '') {
    const file = path.resolve(configured);
    const problem = await executableProblem(file);
    if (problem !== undefined) {
      throw new ChromiumUnavailableError(`CHROMIUM_PATH=${file} ${problem.message}.`, {
        cause: problem,
      });
    }
    return { path: file, version: await versionOf(run, file, options.env), installed: false };
  }
  const packagePath = options.packagePath ?? DEBIAN_CHROMIUM;
  const found = await findInstalled(packagePath, options.env);
  if (found !== undefined) {
    return { path: found, version: await versionOf(run, found, options.env), installed: false };
  }
  if (options.allowInstall === false) {
    throw new ChromiumUnavailableError(
      `No Chromium at ${packagePath} or on PATH, and installing is disabled.`,
    );
  }
  await aptInstall(run, log, options, packagePath);
  const installed = await findInstalled(packagePath, options.env);
  if (installed === undefined) {
    throw new ChromiumUnavailableError(
      `apt-get installed the chromium package but there is still no ${packagePath}.`,
    );
  }
  return {
    path: installed,
    version: await versionOf(run, installed, options.env),
    installed: true,
  };
}

async function findInstalled(
  packagePath: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> {
  if ((await executableProblem(packagePath)) === undefined) return packagePath;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '')) {
    const file = path.resolve(dir, 'chromium');
    if ((await executableProblem(file)) === undefined) return file;
  }
  return undefined;
}

async function aptInstall(
  run: CommandRunner,
  log: (line: string) => void,
  options: EnsureChromiumOptions,
  packagePath: string,
): Promise<void> {
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  if (!isRoot) {
    throw new ChromiumUnavailableError(
      `No Chromium at ${packagePath} or on PATH, and this process is not root, so apt-get cannot install it.`,
    );
  }
  // Non-interactive, and waiting for a lock held by another apt run rather than failing at once.
  const env = { ...options.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) =>
    attempt(run, 'apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], env);
  const policy = await attempt(run, 'apt-cache', ['policy', 'chromium'], env);
  let updated = false;
  if (!/Candidate: (?!\(none\))\S+/.test(policy.stdout)) {
    log('apt does not know the chromium package yet: running apt-get update…');
    await apt(['update']);
    updated = true;
  }
  log('Installing Chromium with apt-get install -y chromium (first use; may take minutes)…');
  try {
    await apt(['install', '-y', 'chromium']);
  } catch (error) {
    if (updated) throw error;
    // Old package lists name versions the mirror no longer has: refresh them once and retry.
    log('apt-get install failed; running apt-get update and trying once more…');
    await apt(['update']);
    await apt(['install', '-y', 'chromium']);
  }
}

/** Runs a command that must succeed; turns every way it can fail into a clear error. */
async function attempt(
  run: CommandRunner,
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<CommandResult> {
  let result: CommandResult;
  try {
    result = await run(command, args, { env });
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ChromiumUnavailableError(
      missing
        ? `No Chromium found, and ${command} is not installed (not a Debian or Ubuntu machine?).`
        : `Could not run ${command}: ${String(cause)}`,
      { cause },
    );
  }
  if (result.exitCode !== 0) {
    const tail = lastLines(result.stderr.trim() || result.stdout, 3);
    throw new ChromiumUnavailableError(
      `\`${command} ${args.join(' ')}\` exited with code ${result.exitCode}: ${tail}`,
    );
  }
  return result;
}

async function versionOf(
  run: CommandRunner,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const { stdout } = await attempt(run, file, ['--version'], env);
  return stdout.trim();
}
