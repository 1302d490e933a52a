import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { runCommand, type CommandRunner } from '../host/machine';
import { TandemError } from '../contract/errors';
import {
  CLUSTER_VERSIONS,
  GO_PACKAGES,
  OBSERVABILITY_PACKAGES,
  OBSERVABILITY_VERSIONS,
} from './versions';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A piece of the cluster, or of the trace and metrics backends, could not be found or built; the
 * message says how to get it by hand.
 */
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
    await buildWithGo(options, {
      component: `Temporal Server ${CLUSTER_VERSIONS.temporal}`,
      dir: serverDir,
      recipe: {
        kind: 'install',
        packages: [GO_PACKAGES.server, GO_PACKAGES.sqlTool].map(
          (p) => `${p}@v${CLUSTER_VERSIONS.temporal}`,
        ),
        // The images call the binaries these names.
        renames: { server: 'temporal-server', sql: 'temporal-sql-tool' },
      },
    });
  }
  if (!existsSync(binaries.uiServer)) {
    await buildWithGo(options, {
      component: `Temporal UI server ${CLUSTER_VERSIONS.ui}`,
      dir: uiDir,
      recipe: {
        kind: 'install',
        packages: [`${GO_PACKAGES.uiServer}@v${CLUSTER_VERSIONS.ui}`],
        renames: { server: 'ui-server' },
      },
    });
  }
  return binaries;
}

/** How a build puts its binaries into the staging folder. */
export type Recipe =
  /** `go install` of `package@version`s, then renames (go names a binary after its folder). */
  | { kind: 'install'; packages: string[]; renames: Record<string, string> }
  /**
   * `go build` of `pkg` inside the downloaded `module` (`path@version`): for a module whose
   * go.mod has `replace` lines, which `go install pkg@version` refuses.
   */
  | { kind: 'module'; module: string; pkg: string; output: string };

/** The trace and metrics backends' executables, built once per version into the cache. */
export interface ObservabilityBinaries {
  /** Jaeger v2: OTLP receiver, in-memory trace store, query API and UI in one process. */
  readonly jaeger: string;
  readonly prometheus: string;
}

/** Jaeger and Prometheus from the cache, building whichever is missing (minutes, the first time). */
export async function installObservabilityBinaries(
  options: InstallOptions,
): Promise<ObservabilityBinaries> {
  const root = cacheRoot(options.env);
  const { jaeger, prometheus } = OBSERVABILITY_VERSIONS;
  const jaegerDir = path.join(root, `jaeger-${jaeger}`);
  const prometheusDir = path.join(root, `prometheus-${prometheus}`);
  const binaries: ObservabilityBinaries = {
    jaeger: path.join(jaegerDir, 'jaeger'),
    prometheus: path.join(prometheusDir, 'prometheus'),
  };
  if (!existsSync(binaries.jaeger)) {
    await buildWithGo(options, {
      component: `Jaeger ${jaeger}`,
      dir: jaegerDir,
      recipe: {
        kind: 'module',
        module: `${OBSERVABILITY_PACKAGES.jaegerModule}@v${jaeger}`,
        pkg: OBSERVABILITY_PACKAGES.jaeger,
        output: 'jaeger',
      },
    });
  }
  if (!existsSync(binaries.prometheus)) {
    await buildWithGo(options, {
      component: `Prometheus ${prometheus}`,
      dir: prometheusDir,
      recipe: {
        kind: 'install',
        packages: [`${OBSERVABILITY_PACKAGES.prometheus}@v${prometheus}`],
        renames: {},
      },
    });
  }
  return binaries;
}

/** One Go build into the cache (see {@link buildWithGo}). */
export interface GoBuild {
  /** What is built, as messages name it (`Helm 4.3.2`). */
  component: string;
  /** The cache folder it ends up in. */
  dir: string;
  recipe: Recipe;
  /**
   * The Go toolchain to ask for (`GOTOOLCHAIN`); `local`: the installed Go, as the environment
   * says. Default: {@link CLUSTER_VERSIONS}' `goToolchain`.
   */
  toolchain?: string;
}

/**
 * Builds `job` with Go into its cache folder, through a staging folder so a build killed
 * half-way leaves nothing that looks installed. Throws {@link ClusterInstallError} with the
 * command to run by hand.
 */
export async function buildWithGo(options: InstallOptions, job: GoBuild): Promise<void> {
  const run = options.run ?? runCommand;
  const go = options.go ?? 'go';
  const wanted = job.toolchain ?? CLUSTER_VERSIONS.goToolchain;
  const env = wanted === 'local' ? options.env : { ...options.env, GOTOOLCHAIN: wanted };
  const { recipe } = job;
  const toolchain = wanted === 'local' ? '' : `GOTOOLCHAIN=${wanted} `;
  const byHand =
    recipe.kind === 'install'
      ? `${toolchain}GOBIN=${job.dir} go install ${recipe.packages.join(' ')}` +
        Object.entries(recipe.renames)
          .map(([from, to]) => ` && mv ${path.join(job.dir, from)} ${path.join(job.dir, to)}`)
          .join('')
      : `${toolchain}go mod download ${recipe.module} && ${toolchain}go -C "$(go env GOMODCACHE)/${recipe.module}" build -o ${path.join(job.dir, recipe.output)} ${recipe.pkg}`;
  options.log(`Building ${job.component} with go into ${job.dir} (first use; a few minutes)…`);
  /** Runs one go command to completion, its standard output the answer. */
  const goRun = async (args: string[], extraEnv: Env = {}): Promise<string> => {
    const result = await run(go, args, { env: { ...env, ...extraEnv } }).catch((error: unknown) => {
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
      const verb = args[0] === '-C' ? args[2] : args[0];
      throw new ClusterInstallError(
        job.component,
        `go ${verb} exited with ${result.exitCode}: ${lastLines(result.stderr)}`,
        byHand,
      );
    }
    return result.stdout;
  };
  await intoCache(job.dir, async (staging) => {
    if (recipe.kind === 'install') {
      await goRun(['install', ...recipe.packages], { GOBIN: staging });
      for (const [from, to] of Object.entries(recipe.renames)) {
        await rename(path.join(staging, from), path.join(staging, to));
      }
    } else {
      const downloaded = JSON.parse(await goRun(['mod', 'download', '-json', recipe.module])) as {
        Dir?: string;
      };
      if (!downloaded.Dir) {
        throw new ClusterInstallError(
          job.component,
          `go mod download did not say where it put ${recipe.module}`,
          byHand,
        );
      }
      await goRun([
        '-C',
        downloaded.Dir,
        'build',
        '-trimpath',
        '-o',
        path.join(staging, recipe.output),
        recipe.pkg,
      ]);
    }
  });
}

/**
 * Fills the cache folder `dir` through `fill(staging)`, a folder beside it that takes its place
 * only once filled: a run killed half-way must not leave a folder that looks installed.
 */
export async function intoCache(
  dir: string,
  fill: (staging: string) => Promise<void>,
): Promise<void> {
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await fill(staging);
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function lastLines(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.length === 0 ? '(no output)' : lines.slice(-3).join(' | ');
}
