import { loadConfig } from '../contract/config/load';
import { codecUiToken } from '../gateway/codec';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { runCommand } from '../host/machine';
import { TandemError } from '../contract/errors';
import type { ClusterBinaries } from './install';
import { alive, spawnDetached, waitForPort, waitUntil } from './processes';
import { deployDir } from '../host/deploy-files';
import { tandemSpec, temporalServiceSpec, uiConfig, uiSpec } from './specs';
import { writeState, type ClusterState, type TemporalService } from './state';

type Env = Readonly<Record<string, string | undefined>>;

/** A cluster could not start, or is already running; nothing it started is left running. */
export class ClusterError extends TandemError {
  override readonly name = 'ClusterError';
  readonly code = 'TANDEM_CLUSTER_FAILED';
}

/** Runs one of deploy/temporal's setup scripts, the tool it calls first on PATH. */
export async function script(
  name: string,
  tool: string,
  vars: Record<string, string>,
  env: Env,
): Promise<void> {
  const result = await runCommand('sh', [path.join(deployDir(), name)], {
    env: {
      PATH: `${path.dirname(tool)}${path.delimiter}${env.PATH ?? '/usr/bin:/bin'}`,
      HOME: env.HOME,
      ...vars,
    },
  });
  if (result.exitCode !== 0) {
    throw new ClusterError(
      `deploy/temporal/${name} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
}

/** The user's config with its `temporal` section and gateway pointed at this cluster. */
export async function writeTandemConfig(configPath: string, state: ClusterState): Promise<void> {
  const document = parseDocument(await readFile(configPath, 'utf8')).toJS() as Record<
    string,
    unknown
  >;
  const temporal = (document.temporal ?? {}) as Record<string, unknown>;
  const { tls } = state;
  document.temporal = {
    ...temporal,
    address: `127.0.0.1:${state.ports.frontend}`,
    namespace: state.namespace,
    ...(tls && {
      tls: {
        ca: tls.serverCa,
        cert: tls.clientCert,
        key: tls.clientKey,
        serverName: tls.serverName,
      },
    }),
  };
  document.gateway = {
    ...(document.gateway as object | undefined),
    host: '127.0.0.1',
    port: state.ports.gateway,
  };
  // The cluster's UI decodes through the gateway's codec route: let its origin in.
  const codec = document.codec as { ui?: { origins?: string[] } } | undefined;
  if (codec?.ui) {
    codec.ui.origins = [...(codec.ui.origins ?? []), `http://127.0.0.1:${state.ports.ui}`];
  }
  await writeFile(state.tandemConfig, stringify(document), { mode: 0o600 });
}

/** The gateway's codec route for the UI, when the config has a `codec.ui` section. */
async function uiCodecEndpoint(state: ClusterState, env: Env): Promise<string | undefined> {
  const token = codecUiToken(await loadConfig(state.tandemConfig), env);
  return token === undefined ? undefined : `http://127.0.0.1:${state.ports.gateway}/codec/${token}`;
}

/**
 * Writes the UI server's config into `<dir>/ui/config`. It holds the codec endpoint, whose path
 * carries the UI token: the file is made anew, its owner's only (0600), every start.
 */
export async function writeUiConfig(state: ClusterState, env: Env): Promise<string> {
  const dir = path.join(state.dir, 'ui', 'config');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'cluster.yaml');
  // A file left by an older version may be world-readable: a new one takes the new mode.
  await rm(file, { force: true });
  await writeFile(file, stringify(uiConfig(state, await uiCodecEndpoint(state, env))), {
    mode: 0o600,
    flag: 'wx',
  });
  return file;
}

/** Starts (or starts again) one named process of the cluster and waits until it serves. */
export async function startProcess(
  state: ClusterState,
  binaries: ClusterBinaries,
  name: string,
  env: Env,
): Promise<void> {
  const spec =
    name === 'ui'
      ? uiSpec(state, binaries, env)
      : name === 'gateway'
        ? tandemSpec(state, name, 'gateway', env)
        : name.startsWith('worker-')
          ? tandemSpec(state, name, 'worker', env)
          : temporalServiceSpec(state, binaries, name as TemporalService, env);
  if (name === 'ui') await writeUiConfig(state, env);
  const logSize = existsSync(spec.logFile) ? (await readFile(spec.logFile)).length : 0;
  state.pids[name] = spawnDetached(spec);
  await writeState(state);
  const pid = state.pids[name];
  const exited = () => !alive(pid);
  const newLog = async () => (await readFile(spec.logFile, 'utf8')).slice(logSize);
  try {
    if (name.startsWith('worker-')) {
      await waitUntil(
        async () => exited() || (await newLog()).includes('tandem worker: polling'),
        `${name} did not start polling`,
        60_000,
      );
    } else if (name === 'gateway') {
      await waitUntil(
        async () =>
          exited() ||
          (await fetch(`http://127.0.0.1:${state.ports.gateway}/healthz`).then(
            (r) => r.ok,
            () => false,
          )),
        'the gateway did not answer /healthz',
        60_000,
      );
    } else {
      const port = name === 'ui' ? state.ports.ui : state.ports[name as TemporalService];
      await Promise.race([waitForPort(port, name, 90_000), waitUntil(exited, '', 90_000)]);
    }
    if (exited()) throw new Error('exited');
  } catch (error) {
    const tail = summarizeLog(await newLog());
    throw new ClusterError(
      `${name} did not start (${(error as Error).message}); its log ${spec.logFile} ends: ${tail}`,
      { cause: error },
    );
  }
}

/** The last lines of a log, the server's JSON lines cut to their message and error. */
function summarizeLog(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .slice(-3)
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; error?: string };
        return [entry.msg, entry.error].filter(Boolean).join(': ');
      } catch {
        return line;
      }
    });
  return lines.join(' | ') || '(empty)';
}
