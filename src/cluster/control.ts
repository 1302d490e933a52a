import { installClusterBinaries } from './install';
import { startPostgres, stopPostgres } from './postgres';
import { alive, killGroup, stopGroup, waitUntil } from './processes';
import { postgresOf } from './cluster';
import { ClusterError, startProcess } from './launch';
import { readState } from './state';

type Env = Readonly<Record<string, string | undefined>>;

/** SIGKILLs one process of the cluster (`history`, `matching`, `worker-2`, …): a crash. */
export async function killProcess(dir: string, name: string): Promise<void> {
  const state = await readState(dir);
  const pid = state?.pids[name];
  if (pid === undefined) throw new ClusterError(`no process "${name}" in the cluster in ${dir}`);
  killGroup(pid);
  await waitUntil(() => !alive(pid), `${name} (${pid}) survived SIGKILL`, 10_000);
}

/** Starts one process of the cluster in `dir` again, after a crash or a stop. */
export async function restartProcess(dir: string, name: string, env: Env): Promise<void> {
  const state = await readState(dir);
  if (state === undefined) throw new ClusterError(`no cluster in ${dir}`);
  const pid = state.pids[name];
  if (pid !== undefined && alive(pid)) await stopGroup(pid);
  await startProcess(state, await installClusterBinaries({ env, log: () => undefined }), name, env);
}

/** Stops and starts the cluster's PostgreSQL (a fast shutdown: open transactions roll back). */
export async function restartPostgres(dir: string, env: Env): Promise<void> {
  const state = await readState(dir);
  if (state === undefined) throw new ClusterError(`no cluster in ${dir}`);
  const postgres = await postgresOf(state, env);
  await stopPostgres(postgres);
  await startPostgres(postgres);
}
