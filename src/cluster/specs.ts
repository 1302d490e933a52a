import path from 'node:path';
import { DEPLOY_FILES, deployDir } from '../host/deploy-files';
import { findProjectRoot } from '../host/machine';
import type { ClusterBinaries } from './install';
import type { ProcessSpec } from './processes';
import { metricsPortName, type ClusterState, type TemporalService } from './state';

type Env = Readonly<Record<string, string | undefined>>;

/** Database user Temporal connects as (the local server's superuser). */
export const POSTGRES_USER = 'temporal';

/**
 * The environment `deploy/temporal/server.yaml` is filled from, the same variables
 * docker-compose.yml sets for its containers.
 */
export function serverEnvironment(state: ClusterState): Record<string, string> {
  const { ports, tls } = state;
  return {
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(ports.postgres),
    POSTGRES_USER,
    POSTGRES_PWD: state.postgresPassword,
    NUM_HISTORY_SHARDS: String(state.historyShards),
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_GRPC_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_GRPC_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_GRPC_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    DYNAMIC_CONFIG_FILE_PATH: path.join(deployDir(), DEPLOY_FILES.dynamicConfig),
    ...(tls && {
      TEMPORAL_TLS_FRONTEND_CERT: tls.serverCert,
      TEMPORAL_TLS_FRONTEND_KEY: tls.serverKey,
      TEMPORAL_TLS_CLIENT_CA: tls.clientCa,
      TEMPORAL_TLS_SYSTEM_WORKER_CERT: tls.clientCert,
      TEMPORAL_TLS_SYSTEM_WORKER_KEY: tls.clientKey,
      TEMPORAL_TLS_FRONTEND_SERVER_NAME: tls.serverName,
      TEMPORAL_TLS_SERVER_CA: tls.serverCa,
    }),
  };
}

/** The environment the Temporal CLI reads its connection from (the namespace setup script). */
export function temporalCliEnvironment(state: ClusterState): Record<string, string> {
  const { tls } = state;
  return {
    TEMPORAL_ADDRESS: `127.0.0.1:${state.ports.frontend}`,
    ...(tls && {
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.serverCa,
      TEMPORAL_TLS_CLIENT_CERT_PATH: tls.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: tls.clientKey,
      TEMPORAL_TLS_SERVER_NAME: tls.serverName,
    }),
  };
}

/** Only what a server process needs from the caller's environment; no secrets of Tandem's. */
function baseEnvironment(env: Env): Record<string, string> {
  return { PATH: env.PATH ?? '/usr/bin:/bin', HOME: env.HOME ?? '/tmp', LANG: 'C.UTF-8' };
}

const logFile = (state: ClusterState, name: string) => path.join(state.dir, 'logs', `${name}.log`);

/** Where `service` serves its Prometheus metrics, if its cluster has a port for them. */
export function metricsUrl(state: ClusterState, service: TemporalService): string | undefined {
  const port = state.ports[metricsPortName(service)];
  return port === undefined ? undefined : `http://127.0.0.1:${port}/metrics`;
}

/** One Temporal service as a process of its own, serving its metrics on a port of its own. */
export function temporalServiceSpec(
  state: ClusterState,
  binaries: ClusterBinaries,
  service: TemporalService,
  env: Env,
): ProcessSpec {
  const metricsPort = state.ports[metricsPortName(service)];
  return {
    command: binaries.server,
    args: [
      '--config-file',
      path.join(deployDir(), DEPLOY_FILES.serverConfig),
      '--allow-no-auth',
      'start',
      '--service',
      service,
    ],
    env: {
      ...baseEnvironment(env),
      ...serverEnvironment(state),
      // Per service, unlike the rest of the environment: one listen address each.
      ...(metricsPort !== undefined && { PROMETHEUS_ENDPOINT: `127.0.0.1:${metricsPort}` }),
    },
    logFile: logFile(state, service),
  };
}

/** The UI server, over the config {@link uiConfig} writes. */
export function uiSpec(state: ClusterState, binaries: ClusterBinaries, env: Env): ProcessSpec {
  return {
    command: binaries.uiServer,
    args: ['--root', path.join(state.dir, 'ui'), '--config', 'config', '--env', 'cluster', 'start'],
    env: baseEnvironment(env),
    logFile: logFile(state, 'ui'),
  };
}

/**
 * The UI server's config: on 127.0.0.1, talking to the frontend (over mTLS when it has it), and
 * decoding payloads through `codecEndpoint` (the gateway's codec route) when given.
 */
export function uiConfig(state: ClusterState, codecEndpoint?: string): Record<string, unknown> {
  const { tls } = state;
  return {
    temporalGrpcAddress: `127.0.0.1:${state.ports.frontend}`,
    host: '127.0.0.1',
    port: state.ports.ui,
    enableUi: true,
    defaultNamespace: state.namespace,
    refreshInterval: '0s',
    cors: { allowOrigins: [`http://127.0.0.1:${state.ports.ui}`], cookieInsecure: true },
    ...(codecEndpoint !== undefined && { codec: { endpoint: codecEndpoint } }),
    ...(tls && {
      tls: {
        caFile: tls.serverCa,
        certFile: tls.clientCert,
        keyFile: tls.clientKey,
        serverName: tls.serverName,
        enableHostVerification: true,
      },
    }),
  };
}

/** A `tandem` verb (worker, gateway) as a child process over the cluster's Tandem config. */
export function tandemSpec(
  state: ClusterState,
  name: string,
  verb: 'worker' | 'gateway',
  env: Env,
): ProcessSpec {
  const root = findProjectRoot();
  return {
    command: process.execPath,
    args: [path.join(root, 'bin', 'tandem.js'), verb],
    // Workers resolve the targets' `${VAR}` secrets from their environment: they get the caller's.
    env: {
      ...env,
      TANDEM_CONFIG: state.tandemConfig,
      ...(verb === 'gateway' && { TANDEM_API_KEYS: env.TANDEM_API_KEYS || state.gatewayKey }),
    },
    cwd: root,
    logFile: logFile(state, name),
  };
}
