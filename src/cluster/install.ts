import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { runCommand, type CommandRunner } from '../host/machine';
import { TandemError } from '../contract/errors';
import { CLUSTER_VERSIONS, GO_PACKAGES } from './versions';

type Env = Readonly<Record<string, string | undefined>>;

/** A piece of the cluster could not be found or built; the message says how to get it by hand. */
export class ClusterInstallError extends TandemError {
  override readonly name = 'ClusterInstallError';
  readonly code = 'TANDEM_CLUSTER_INSTALL_FAILED';
  constructor(
    readonly component: string,
    readonly reason: string,
    readonly byHand: string,
    options?: ErrorOptions,
  ) {
    super(`could not install ${component}: ${reason}. To install it by hand: ${byHand}`, options);
  }
}

/** The cluster's executables, built once per version into the cache. */
export interface ClusterBinaries {
  /** `temporal-server`. */
  readonly server: string;
  /** `temporal-sql-tool`; its folder goes first on the schema script's PATH. */
  readonly sqlTool: string;
  /** The Web UI server. */
  readonly uiServer: string;
}

/** Options of {@link installClusterBinaries}. */
export interface InstallOptions {
  readonly env: Env;
  /** One line when a build starts (builds take minutes). */
  readonly log: (line: string) => void;
  readonly run?: CommandRunner;
  /** The Go command. Default `go`. */
  readonly go?: string;
}

/**
 * Where builds are kept: outside any clone, keyed by version, so every clone on this machine
 * shares them. `TANDEM_CACHE` overrides; else `$XDG_CACHE_HOME/tandem`, else `~/.cache/tandem`.
 */
export function cacheRoot(env: Env): string {
  if (env.TANDEM_CACHE) return path.resolve(env.TANDEM_CACHE);
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'tandem');
}

/** The server and UI from the cache, building whichever is missing (minutes, the first time). */
export async function installClusterBinaries(options: InstallOptions): Promise<ClusterBinaries> {
  const root = cacheRoot(options.env);
  const serverDir = path.join(root, `temporal-server-${CLUSTER_VERSIONS.temporal}`);
  const uiDir = path.join(root, `temporal-ui-${CLUSTER_VERSIONS.ui}`);
  const binaries: ClusterBinaries = {
    server: path.join(serverDir, 'temporal-server'),
    sqlTool: path.join(serverDir, 'temporal-sql-tool'),
    uiServer: path.join(uiDir, 'ui-server'),
  };
  if (!existsSync(binaries.server) || !existsSync(binaries.sqlTool)) {
    await build(options, {
      component: `Temporal Server ${CLUSTER_VERSIONS.temporal}`,
      dir: serverDir,
      packages: [GO_PACKAGES.server, GO_PACKAGES.sqlTool].map(
        (p) => `${p}@v${CLUSTER_VERSIONS.temporal}`,
      ),
      // go install names a binary after its package folder; the images call them these names.
      renames: { server: 'temporal-server', sql: 'temporal-sql-tool' },
    });
  }
  if (!existsSync(binaries.uiServer)) {
    await build(options, {
      component: `Temporal UI server ${CLUSTER_VERSIONS.ui}`,
      dir: uiDir,
      packages: [`${GO_PACKAGES.uiServer}@v${CLUSTER_VERSIONS.ui}`],
      renames: { server: 'ui-server' },
    });
  }
  return binaries;
}

interface Build {
  component: string;
  dir: string;
  packages: string[];
  renames: Record<string, string>;
}

async function build(options: InstallOptions, job: Build): Promise<void> {
  const run = options.run ?? runCommand;
  const go = options.go ?? 'go';
  const env = { ...options.env, GOTOOLCHAIN: CLUSTER_VERSIONS.goToolchain };
  const byHand =
    `GOTOOLCHAIN=${CLUSTER_VERSIONS.goToolchain} GOBIN=${job.dir} go install ${job.packages.join(' ')}` +
    Object.entries(job.renames)
      .map(([from, to]) => ` && mv ${path.join(job.dir, from)} ${path.join(job.dir, to)}`)
      .join('');
  options.log(
    `Building ${job.component} with go install into ${job.dir} (first use; a few minutes)…`,
  );
  // A build killed half-way must not leave a folder that looks installed.
  const staging = `${job.dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const result = await run(go, ['install', ...job.packages], {
      env: { ...env, GOBIN: staging },
    }).catch((error: unknown) => {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new ClusterInstallError(
        job.component,
        missing
          ? `"${go}" is not installed (Go is needed to build it; https://go.dev/dl)`
          : String(error),
        byHand,
        { cause: error },
      );
    });
    if (result.exitCode !== 0) {
      throw new ClusterInstallError(
        job.component,
        `go install exited with ${result.exitCode}: ${lastLines(result.stderr)}`,
        byHand,
      );
    }
    for (const [from, to] of Object.entries(job.renames)) {
      await rename(path.join(staging, from), path.join(staging, to));
    }
    await rm(job.dir, { recursive: true, force: true });
    await mkdir(path.dirname(job.dir), { recursive: true });
    await rename(staging, job.dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function lastLines(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.length === 0 ? '(no output)' : lines.slice(-3).join(' | ');
}
