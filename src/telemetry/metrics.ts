import { createServer } from 'node:net';
import type { MetricMeter } from '@temporalio/common';
import type { MetricsExporterConfig } from '@temporalio/worker';
import { ConfigError } from '../contract/errors';
import {
  ATTEMPT_SECONDS_BUCKETS,
  DELIVERY_SECONDS_BUCKETS,
  meterName,
  METRICS,
  type AttemptCall,
  type AttemptOutcomeClass,
  type MetricSpec,
} from '../contract/metrics';

/** The environment variable that says where a worker serves Prometheus metrics, or `off`. */
export const METRICS_ADDRESS_ENV = 'TANDEM_METRICS_ADDRESS';

/**
 * Where a worker serves `/metrics` unless told otherwise: every interface (Prometheus scrapes
 * from another host), on the port the OpenTelemetry Prometheus exporter uses by convention.
 */
export const DEFAULT_METRICS_ADDRESS = '0.0.0.0:9464';

/** Where a worker's metrics go: a Prometheus endpoint, an OTLP collector, or nowhere. */
export type MetricsExport =
  | { kind: 'prometheus'; address: string; url: string }
  | { kind: 'otlp'; url: string; protocol: 'grpc' | 'http/protobuf' }
  | { kind: 'off' };

/** A metrics setting that cannot be used: exit 1, naming the variable or flag and what to write. */
function badSetting(setting: string, problem: string): ConfigError {
  return new ConfigError('metrics settings', [`${setting}: ${problem}`]);
}

function parseAddress(value: string, setting: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port > 65_535) {
    throw badSetting(setting, `"${value}" is not HOST:PORT (e.g. 0.0.0.0:9464), nor "off"`);
  }
  return { host: match[1]!, port };
}

/** Whether nothing listens on `host:port` yet (probed by listening on it a moment). */
function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, host.replace(/^\[|\]$/g, ''), () => probe.close(() => resolve(true)));
  });
}

/** A port the OS has free on `host`. */
function anyFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, host.replace(/^\[|\]$/g, ''), () => {
        const address = probe.address();
        probe.close(() =>
          typeof address === 'object' && address !== null
            ? resolve(address.port)
            : reject(new Error(`no port for a metrics endpoint on ${host}`)),
        );
      });
  });
}

/** The URL a scraper reads from a Prometheus endpoint bound to `host:port`. */
function scrapeUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  return `http://${shown}:${port}/metrics`;
}

/** Options of {@link metricsExport}. */
export interface MetricsExportOptions {
  /** `--metrics-address` (wins over the environment). */
  address?: string;
  /** The default address, for `tandem dev` (loopback); default {@link DEFAULT_METRICS_ADDRESS}. */
  defaultAddress?: string;
}

/**
 * Where this process's worker metrics go. `OTEL_METRICS_EXPORTER=otlp` sends them to the OTLP
 * collector of the standard `OTEL_EXPORTER_OTLP_*` variables instead of serving them (the
 * runtime has one exporter); `OTEL_SDK_DISABLED=true` or an address of `off` turns them off.
 * Otherwise a Prometheus endpoint: at the address asked for (which must be free), or at the
 * default one, moved to a free port when another worker on this host holds it, so two workers
 * never clash.
 */
export async function metricsExport(
  env: Readonly<Record<string, string | undefined>>,
  options: MetricsExportOptions = {},
): Promise<MetricsExport> {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { kind: 'off' };
  const exporter = env.OTEL_METRICS_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return { kind: 'off' };
  if (exporter === 'otlp') return otlpExport(env);
  if (exporter !== undefined && exporter !== '' && exporter !== 'prometheus') {
    throw badSetting(
      'OTEL_METRICS_EXPORTER',
      `"${exporter}" is not supported: use otlp, prometheus or none`,
    );
  }
  const asked = options.address ?? env[METRICS_ADDRESS_ENV];
  const setting = options.address !== undefined ? '--metrics-address' : METRICS_ADDRESS_ENV;
  if (asked?.trim().toLowerCase() === 'off') return { kind: 'off' };
  if (asked !== undefined && asked.trim() !== '') {
    const { host, port: askedPort } = parseAddress(asked, setting);
    // Port 0 asks for any free port, as a listen call would take it.
    const port = askedPort === 0 ? await anyFreePort(host) : askedPort;
    if (!(await portIsFree(host, port))) {
      throw badSetting(setting, `${host}:${port} is in use; choose another port, or "off"`);
    }
    return { kind: 'prometheus', address: `${host}:${port}`, url: scrapeUrl(host, port) };
  }
  const fallback = options.defaultAddress ?? DEFAULT_METRICS_ADDRESS;
  const { host, port } = parseAddress(fallback, 'the default metrics address');
  const free = (await portIsFree(host, port)) ? port : await anyFreePort(host);
  return { kind: 'prometheus', address: `${host}:${free}`, url: scrapeUrl(host, free) };
}

/** The OTLP collector of the standard variables (the SDK's exporter speaks gRPC or protobuf over HTTP). */
function otlpExport(env: Readonly<Record<string, string | undefined>>): MetricsExport {
  const protocol =
    env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocol !== 'grpc' && protocol !== 'http/protobuf') {
    throw badSetting(
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      `worker metrics are sent over grpc or http/protobuf, not "${protocol}"; set OTEL_EXPORTER_OTLP_METRICS_PROTOCOL to one of them`,
    );
  }
  const signal = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
  const base =
    env.OTEL_EXPORTER_OTLP_ENDPOINT ??
    (protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318');
  // As the specification says: the signal's own endpoint is used as is; the base one gets the
  // signal's path over HTTP.
  const url = signal ?? (protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/metrics`);
  return { kind: 'otlp', url, protocol };
}

/** Histogram buckets by the name the runtime's meter knows each of Tandem's histograms by. */
const BUCKETS: Record<string, number[]> = {
  [meterName(METRICS.attemptDuration)]: ATTEMPT_SECONDS_BUCKETS,
  [meterName(METRICS.retryAfterDelay)]: DELIVERY_SECONDS_BUCKETS,
  [meterName(METRICS.deliveryDuration)]: DELIVERY_SECONDS_BUCKETS,
};

/**
 * The runtime's telemetry options for `target`: Prometheus conventions on the endpoint (`_total`
 * on counters, durations in seconds with the unit in their name), so `temporal_*` and `tandem_*`
 * read alike.
 */
export function runtimeMetricsOptions(
  target: MetricsExport,
  env: Readonly<Record<string, string | undefined>>,
): MetricsExporterConfig | undefined {
  if (target.kind === 'off') return undefined;
  if (target.kind === 'prometheus') {
    return {
      prometheus: {
        bindAddress: target.address,
        countersTotalSuffix: true,
        unitSuffix: true,
        useSecondsForDurations: true,
        histogramBucketOverrides: BUCKETS,
      },
    };
  }
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  return {
    otel: {
      url: target.url,
      http: target.protocol === 'http/protobuf',
      useSecondsForDurations: true,
      histogramBucketOverrides: BUCKETS,
      ...(Number.isFinite(interval) && interval > 0 && { metricsExportInterval: interval }),
      ...(env.OTEL_EXPORTER_OTLP_HEADERS !== undefined && {
        headers: otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
      }),
    },
  };
}

/** `OTEL_EXPORTER_OTLP_HEADERS` (`name=value,name=value`, values percent-encoded). */
function otlpHeaders(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(',')
      .map((pair) => pair.split('='))
      .filter((parts) => parts.length >= 2 && parts[0]!.trim() !== '')
      .map(([name, ...value]) => [name!.trim(), decodeURIComponent(value.join('=').trim())]),
  );
}

/** One line saying where a worker's metrics are, for `tandem worker` and `tandem dev`. */
export function describeMetricsExport(target: MetricsExport): string {
  switch (target.kind) {
    case 'prometheus':
      return `metrics (Prometheus) at ${target.url}`;
    case 'otlp':
      return `metrics sent to ${target.url} (OTLP ${target.protocol})`;
    case 'off':
      return 'metrics off';
  }
}

/** Ends one attempt's measurement with its outcome class. */
export type AttemptEnd = (outcome: AttemptOutcomeClass) => void;

/** Measures the attempts of one target's calls: counted, timed, and in flight meanwhile. */
export type AttemptMeter = (target: string, call: AttemptCall) => AttemptEnd;

function check(spec: MetricSpec): MetricSpec {
  if (spec.source !== 'worker') throw new Error(`${spec.name} is not served by workers`);
  return spec;
}

/**
 * The attempt metrics of {@link METRICS} over the runtime's `meter`, so they are served with the
 * SDK's own on the worker's endpoint.
 */
export function attemptMeter(meter: MetricMeter): AttemptMeter {
  const attempts = check(METRICS.attempts);
  const duration = check(METRICS.attemptDuration);
  const inFlight = check(METRICS.attemptsInFlight);
  const counter = meter.createCounter(meterName(attempts), '', attempts.help);
  const histogram = meter.createHistogram(meterName(duration), 'float', '', duration.help);
  const gauge = meter.createUpDownCounter?.(meterName(inFlight), '', inFlight.help);
  return (target, call) => {
    const startedAt = performance.now();
    gauge?.add(1, { target, call });
    let ended = false;
    return (outcome) => {
      if (ended) return;
      ended = true;
      gauge?.add(-1, { target, call });
      counter.add(1, { target, call, outcome });
      histogram.record((performance.now() - startedAt) / 1000, { target, call, outcome });
    };
  };
}
