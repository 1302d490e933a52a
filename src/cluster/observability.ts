import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { TandemError } from '../contract/errors';
import { LOOPBACK } from '../host/machine';
import { alive, spawnDetached, stopGroup, waitUntil } from './processes';

/** Jaeger or Prometheus could not start; nothing it started is left running. */
export class ObservabilityBackendError extends TandemError {
  override readonly name = 'ObservabilityBackendError';
  readonly code = 'TANDEM_OBSERVABILITY_BACKEND_FAILED';
}

/** Where Jaeger listens, every port on 127.0.0.1. */
export interface JaegerPorts {
  /** OTLP over HTTP (`/v1/traces`): what `OTEL_EXPORTER_OTLP_ENDPOINT` points at. */
  readonly otlpHttp: number;
  readonly otlpGrpc: number;
  /** The query UI and its HTTP API (`/api/traces/{id}`, `/api/v3/...`). */
  readonly ui: number;
  readonly queryGrpc: number;
  /** The health check (`/status`). */
  readonly health: number;
}

/** Jaeger's own ports, as its documentation and every OTLP client's defaults know them. */
export const JAEGER_DEFAULT_PORTS: JaegerPorts = {
  otlpHttp: 4318,
  otlpGrpc: 4317,
  ui: 16686,
  queryGrpc: 16685,
  health: 13133,
};

/** The HTTP address of a port on the loopback interface. */
const local = (port: number) => `${LOOPBACK}:${port}`;

/**
 * Jaeger v2's config (an OpenTelemetry Collector config): OTLP in, an in-memory store, the query
 * API and UI, a health check, all on 127.0.0.1. Its defaults listen on every interface, so each
 * listener is named here; the collector's own metrics listener (8888) is turned off, and the
 * query service does not trace itself, so the store holds only what was sent to it.
 */
export function jaegerConfig(ports: JaegerPorts): Record<string, unknown> {
  return {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: ['batch'],
          exporters: ['jaeger_storage_exporter'],
        },
      },
      telemetry: {
        resource: { 'service.name': 'jaeger' },
        metrics: { level: 'none' },
        logs: { level: 'warn' },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: local(ports.health) } },
      jaeger_query: {
        storage: { traces: 'memory' },
        enable_tracing: false,
        http: { endpoint: local(ports.ui) },
        grpc: { endpoint: local(ports.queryGrpc) },
      },
      jaeger_storage: { backends: { memory: { memory: { max_traces: 100_000 } } } },
    },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: local(ports.otlpGrpc) },
          http: { endpoint: local(ports.otlpHttp) },
        },
      },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memory' } },
  };
}

/** One thing for Prometheus to scrape: an HTTP endpoint on 127.0.0.1. */
export interface ScrapeTarget {
  /** Its `job` label. */
  readonly job: string;
  /** The metrics page, e.g. `http://127.0.0.1:8080/metrics`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer …` (the gateway's `/metrics` wants a read key). */
  readonly bearer?: string;
}

/**
 * Prometheus's config: each target scraped every `scrapeInterval`. Only targets on 127.0.0.1
 * are accepted: these backends are for this machine, and a config that reached out would send
 * the bearer keys with it.
 */
export function prometheusConfig(
  targets: readonly ScrapeTarget[],
  scrapeInterval: string,
): Record<string, unknown> {
  return {
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval },
    scrape_configs: targets.map((target) => {
      const url = new URL(target.url);
      if (url.hostname !== LOOPBACK || url.protocol !== 'http:') {
        throw new ObservabilityBackendError(
          `Prometheus may scrape only http://${LOOPBACK}:<port>/…, not ${url.origin} (job ${target.job})`,
        );
      }
      return {
        job_name: target.job,
        metrics_path: url.pathname,
        static_configs: [{ targets: [url.host] }],
        ...(target.bearer !== undefined && {
          authorization: { type: 'Bearer', credentials: target.bearer },
        }),
      };
    }),
  };
}

/** Prometheus's command line: its one listener on 127.0.0.1, its data in `dir`. */
export function prometheusArgs(dir: string, port: number): string[] {
  return [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=${local(port)}`,
  ];
}

/** A backend started by {@link startJaeger} or {@link startPrometheus}. */
export interface RunningBackend {
  /** The leader of its process group. */
  readonly pid: number;
  /** Stops its process group (SIGTERM, then SIGKILL). Later calls wait on the first. */
  stop(): Promise<void>;
}

/** A running Jaeger. */
export interface Jaeger extends RunningBackend {
  readonly ports: JaegerPorts;
  /** The UI, and base of its query API. */
  readonly uiUrl: string;
  /** The base URL an OTLP/HTTP exporter is given (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  readonly otlpHttpUrl: string;
}

/** A running Prometheus. */
export interface Prometheus extends RunningBackend {
  /** Its HTTP API (`/api/v1/query`) and UI. */
  readonly url: string;
}

/**
 * The standard OpenTelemetry variables that send a process's traces to this Jaeger over
 * OTLP/HTTP: what any OTel SDK reads, with nothing of Tandem's own.
 */
export function otlpEnv(jaeger: Jaeger): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  };
}

/** Options of {@link startJaeger}. */
export interface StartJaegerOptions {
  /** Built by `installObservabilityBinaries`. */
  readonly binary: string;
  /** Its config and log go here. */
  readonly dir: string;
  /** Default {@link JAEGER_DEFAULT_PORTS}. */
  readonly ports?: JaegerPorts;
}

/**
 * Starts Jaeger in a process group of its own and waits until its health check says it serves.
 * It keeps traces in memory: they are gone when it stops.
 */
export async function startJaeger(options: StartJaegerOptions): Promise<Jaeger> {
  const ports = options.ports ?? JAEGER_DEFAULT_PORTS;
  await mkdir(options.dir, { recursive: true });
  const config = path.join(options.dir, 'jaeger.yaml');
  await writeFile(config, stringify(jaegerConfig(ports)));
  const backend = await startBackend({
    what: 'Jaeger',
    command: options.binary,
    args: ['--config', config],
    logFile: path.join(options.dir, 'jaeger.log'),
    readyUrl: `http://${local(ports.health)}/status`,
  });
  return {
    ...backend,
    ports,
    uiUrl: `http://${local(ports.ui)}`,
    otlpHttpUrl: `http://${local(ports.otlpHttp)}`,
  };
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** Built by `installObservabilityBinaries`. */
  readonly binary: string;
  /** Its config (owner-only: it may hold bearer keys), data and log go here. */
  readonly dir: string;
  readonly port: number;
  readonly targets: readonly ScrapeTarget[];
  /** Prometheus's duration syntax; default `15s`. Tests use `1s`. */
  readonly scrapeInterval?: string;
}

/** Starts Prometheus in a process group of its own and waits until `/-/ready` answers. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<Prometheus> {
  const config = prometheusConfig(options.targets, options.scrapeInterval ?? '15s');
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(options.dir, 'prometheus.yml'), stringify(config), { mode: 0o600 });
  const backend = await startBackend({
    what: 'Prometheus',
    command: options.binary,
    args: prometheusArgs(options.dir, options.port),
    logFile: path.join(options.dir, 'prometheus.log'),
    readyUrl: `http://${local(options.port)}/-/ready`,
  });
  return { ...backend, url: `http://${local(options.port)}` };
}

interface BackendSpec {
  what: string;
  command: string;
  args: string[];
  logFile: string;
  readyUrl: string;
}

/** Spawns a backend and polls its ready URL; on failure stops it and says what its log says. */
async function startBackend(spec: BackendSpec): Promise<RunningBackend> {
  const logSize = existsSync(spec.logFile) ? (await readFile(spec.logFile)).length : 0;
  const pid = spawnDetached({
    command: spec.command,
    args: spec.args,
    // Neither needs anything from ours: an inherited OTEL_* would make Jaeger trace itself.
    env: {},
    logFile: spec.logFile,
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopGroup(pid, 5_000));
  try {
    await waitUntil(
      async () =>
        !alive(pid) ||
        (await fetch(spec.readyUrl).then(
          (response) => response.ok,
          () => false,
        )),
      `it did not answer ${spec.readyUrl} within 60 s`,
      60_000,
    );
    if (!alive(pid)) throw new Error('it exited');
  } catch (error) {
    await stop();
    const tail = (await readFile(spec.logFile, 'utf8')).slice(logSize).trim().split('\n');
    throw new ObservabilityBackendError(
      `${spec.what} did not start (${(error as Error).message}); its log ${spec.logFile} ends: ${tail.slice(-3).join(' | ') || '(empty)'}`,
      { cause: error },
    );
  }
  return { pid, stop };
}
