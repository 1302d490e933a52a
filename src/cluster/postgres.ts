import { existsSync } from 'node:fs';
import { chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand, type CommandResult } from '../host/machine';
import { ClusterInstallError } from './install';
import { CLUSTER_VERSIONS } from './versions';

type Env = Readonly<Record<string, string | undefined>>;

/** The PostgreSQL programs found on this machine. */
export interface PostgresBinaries {
  readonly binDir: string;
}

/** A local PostgreSQL data folder and how to reach its server. */
export interface PostgresInstance {
  readonly binaries: PostgresBinaries;
  readonly dataDir: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** The user PostgreSQL runs as when Tandem runs as root: `initdb` refuses root. */
const SERVICE_USER = 'postgres';

/** The system's own tools (runuser, id), whatever the caller's PATH holds. */
const SYSTEM_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

/**
 * Finds `initdb`, `pg_ctl` and `postgres`: on PATH, else in Debian's
 * /usr/lib/postgresql/<major>/bin (the pinned major first).
 */
export async function findPostgres(env: Env): Promise<PostgresBinaries> {
  const pathDirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const debian = '/usr/lib/postgresql';
  const majors = existsSync(debian) ? (await readdir(debian)).sort().reverse() : [];
  const ordered = [
    CLUSTER_VERSIONS.postgresql,
    ...majors.filter((m) => m !== CLUSTER_VERSIONS.postgresql),
  ];
  const candidates = [...pathDirs, ...ordered.map((major) => path.join(debian, major, 'bin'))];
  const found = candidates.find((dir) =>
    ['initdb', 'pg_ctl', 'postgres'].every((tool) => existsSync(path.join(dir, tool))),
  );
  if (found === undefined) {
    throw new ClusterInstallError(
      `PostgreSQL ${CLUSTER_VERSIONS.postgresql}`,
      'no folder on PATH or under /usr/lib/postgresql holds initdb, pg_ctl and postgres',
      `apt-get install postgresql-${CLUSTER_VERSIONS.postgresql} (or your system's PostgreSQL ` +
        `${CLUSTER_VERSIONS.postgresql}+ package), then put its bin folder on PATH`,
    );
  }
  return { binDir: found };
}

const runningAsRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the `postgres` user when this process is root. */
async function pg(
  instance: Pick<PostgresInstance, 'binaries'>,
  tool: string,
  args: string[],
): Promise<CommandResult> {
  const program = path.join(instance.binaries.binDir, tool);
  const [command, argv] = runningAsRoot()
    ? ['runuser', ['-u', SERVICE_USER, '--', program, ...args]]
    : [program, args];
  const result = await runCommand(command, argv, {
    env: SYSTEM_ENV,
  });
  if (result.exitCode !== 0) {
    throw new Error(
      `${tool} ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result;
}

async function serviceIds(): Promise<{ uid: number; gid: number }> {
  const ids = await Promise.all(
    ['-u', '-g'].map((flag) => runCommand('id', [flag, SERVICE_USER], { env: SYSTEM_ENV })),
  );
  const [uid, gid] = ids.map((r) => Number(r.stdout.trim()));
  if (ids.some((r) => r.exitCode !== 0) || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new ClusterInstallError(
      'PostgreSQL',
      `running as root, and there is no "${SERVICE_USER}" user to run it as (initdb refuses root)`,
      `useradd --system ${SERVICE_USER}, or run tandem cluster as a user other than root`,
    );
  }
  return { uid: uid!, gid: gid! };
}

/**
 * Creates the data folder with `initdb` when it holds no database yet (the superuser is
 * `instance.user`, password-protected on TCP), and leaves an existing one as it is.
 */
export async function initPostgres(instance: PostgresInstance): Promise<void> {
  if (existsSync(path.join(instance.dataDir, 'PG_VERSION'))) return;
  await mkdir(instance.dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(instance.dataDir, '..', `.pgpass-${process.pid}`);
  await writeFile(passwordFile, `${instance.password}\n`, { mode: 0o600 });
  try {
    if (runningAsRoot()) {
      const { uid, gid } = await serviceIds();
      await chown(instance.dataDir, uid, gid);
      await chown(passwordFile, uid, gid);
      const probe = await runCommand(
        'runuser',
        ['-u', SERVICE_USER, '--', 'test', '-w', instance.dataDir],
        {
          env: SYSTEM_ENV,
        },
      );
      if (probe.exitCode !== 0) {
        throw new ClusterInstallError(
          'PostgreSQL data folder',
          `the "${SERVICE_USER}" user cannot reach ${instance.dataDir} (a folder above it is closed to other users)`,
          `choose a state folder it can reach (tandem cluster --dir /var/tmp/tandem-cluster), or chmod o+x the folders above it`,
        );
      }
    }
    await pg(instance, 'initdb', [
      '-D',
      instance.dataDir,
      '-U',
      instance.user,
      `--pwfile=${passwordFile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=peer',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
  } catch (error) {
    // A half-made folder would look initialised next time.
    if (!(error instanceof ClusterInstallError))
      await rm(instance.dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Starts the server on 127.0.0.1 only (its socket file in the data folder) and waits until it answers. */
export async function startPostgres(instance: PostgresInstance): Promise<void> {
  await pg(instance, 'pg_ctl', [
    '-D',
    instance.dataDir,
    '-l',
    path.join(instance.dataDir, 'server.log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${instance.port} -c listen_addresses=127.0.0.1 -k ${instance.dataDir}`,
    'start',
  ]);
}

/** Stops the server (`fast`: open transactions are rolled back) and waits until it has. */
export async function stopPostgres(instance: PostgresInstance): Promise<void> {
  if (!existsSync(path.join(instance.dataDir, 'postmaster.pid'))) return;
  await pg(instance, 'pg_ctl', ['-D', instance.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
}

/** Whether a server is running on this data folder. */
export async function postgresRunning(instance: PostgresInstance): Promise<boolean> {
  try {
    await pg(instance, 'pg_ctl', ['-D', instance.dataDir, 'status']);
    return true;
  } catch {
    return false;
  }
}
