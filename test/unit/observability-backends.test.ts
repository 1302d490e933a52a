import { describe, expect, it } from 'vitest';
import {
  JAEGER_DEFAULT_PORTS,
  jaegerConfig,
  ObservabilityBackendError,
  prometheusArgs,
  prometheusConfig,
} from '../../src/cluster/observability';
import { caught } from '../support/wait';

/** Every `host:port` string anywhere in a config, with where it is. */
function addresses(value: unknown, at = ''): { at: string; address: string }[] {
  if (typeof value === 'string') return /^[^\s/]*:\d+$/.test(value) ? [{ at, address: value }] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => addresses(inner, `${at}.${key}`));
}

describe('the trace and metrics backends listen on 127.0.0.1 only', () => {
  const ports = { otlpHttp: 1, otlpGrpc: 2, ui: 3, queryGrpc: 4, health: 5 };

  it("names 127.0.0.1 for each of Jaeger's listeners, one per port it is given", () => {
    const config = jaegerConfig(ports);
    expect(addresses(config)).toEqual([
      { at: '.extensions.healthcheckv2.http.endpoint', address: '127.0.0.1:5' },
      { at: '.extensions.jaeger_query.http.endpoint', address: '127.0.0.1:3' },
      { at: '.extensions.jaeger_query.grpc.endpoint', address: '127.0.0.1:4' },
      { at: '.receivers.otlp.protocols.grpc.endpoint', address: '127.0.0.1:2' },
      { at: '.receivers.otlp.protocols.http.endpoint', address: '127.0.0.1:1' },
    ]);
  });

  it('runs no Jaeger component whose listener would take its default, all-interface address', () => {
    const config = jaegerConfig(JAEGER_DEFAULT_PORTS) as {
      service: { extensions: string[]; pipelines: { traces: { receivers: string[] } } };
    } & Record<string, unknown>;
    // The store and the exporter have no listener; every other component names its address above.
    expect(config.service.extensions).toEqual(['jaeger_storage', 'jaeger_query', 'healthcheckv2']);
    expect(config.service.pipelines.traces.receivers).toEqual(['otlp']);
    // The collector's own metrics would listen on 8888 unless turned off.
    expect(config.service).toMatchObject({ telemetry: { metrics: { level: 'none' } } });
  });

  it('gives Prometheus one listen address, on 127.0.0.1', () => {
    const args = prometheusArgs('/tmp/p', 9090);
    expect(args.filter((arg) => /listen|address|:\d+/.test(arg))).toEqual([
      '--web.listen-address=127.0.0.1:9090',
    ]);
  });

  it('scrapes only targets on 127.0.0.1, each with its path and bearer key', () => {
    expect(
      prometheusConfig(
        [
          { job: 'gateway', url: 'http://127.0.0.1:8080/metrics', bearer: 'k' },
          { job: 'worker', url: 'http://127.0.0.1:9464/m' },
        ],
        '1s',
      ),
    ).toEqual({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        {
          job_name: 'gateway',
          metrics_path: '/metrics',
          static_configs: [{ targets: ['127.0.0.1:8080'] }],
          authorization: { type: 'Bearer', credentials: 'k' },
        },
        {
          job_name: 'worker',
          metrics_path: '/m',
          static_configs: [{ targets: ['127.0.0.1:9464'] }],
        },
      ],
    });
  });

  it.each([
    'http://0.0.0.0:8080/metrics',
    'http://localhost:8080/metrics',
    'https://127.0.0.1:8080/m',
    'http://example.com/metrics',
  ])('refuses to scrape %s', (url) => {
    const error = caught(ObservabilityBackendError, () =>
      prometheusConfig([{ job: 'elsewhere', url, bearer: 'k' }], '1s'),
    );
    expect(error.message).toContain('(job elsewhere)');
  });
});
