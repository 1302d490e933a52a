import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/contract/errors';
import { METRICS, SDK_METRICS } from '../../src/contract/metrics';
import { metricsExport, runtimeMetricsOptions } from '../../src/telemetry/metrics';
import { dashboardQueries, metricsOf } from '../support/dashboard';

const declared = Object.values(METRICS);

describe('the metric table', () => {
  it('names every metric as Prometheus conventions say: _total counters, _seconds durations', () => {
    for (const spec of declared) {
      expect(spec.name, spec.name).toMatch(/^tandem_[a-z0-9_]+$/);
      expect(spec.name.endsWith('_total'), spec.name).toBe(spec.type === 'counter');
      expect(spec.name.endsWith('_seconds'), spec.name).toBe(spec.unit === 'seconds');
    }
    expect(new Set(declared.map((s) => s.name)).size).toBe(declared.length);
  });

  it('labels by target, outcome and status only: never by a delivery, a URL or a header', () => {
    const labels = new Set(declared.flatMap((spec) => spec.labels));
    for (const label of labels) expect(label).not.toMatch(/id|delivery|url|header|key/i);
  });
});

describe('the Tandem dashboard', () => {
  it('queries only metrics of the table or the SDK list', () => {
    const known = new Set<string>([...declared.map((s) => s.name), ...SDK_METRICS]);
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(10);
    const unknown = queries.flatMap(({ panel, expr }) =>
      metricsOf(expr)
        .filter((name) => !known.has(name))
        .map((name) => `${panel}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('shows the SDK task latencies and every worker metric of the table', () => {
    const used = new Set(dashboardQueries().flatMap(({ expr }) => metricsOf(expr)));
    expect(used).toContain('temporal_workflow_task_schedule_to_start_latency_seconds');
    expect(used).toContain('temporal_activity_schedule_to_start_latency_seconds');
    for (const spec of declared.filter((s) => s.source === 'worker')) {
      expect(used, spec.name).toContain(spec.name);
    }
  });
});

describe('where a worker sends its metrics', () => {
  let holder: Server | undefined;
  afterEach(() => holder?.close());

  /** Holds a port on 127.0.0.1, as another worker on the host would. */
  async function holdPort(): Promise<number> {
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(0, '127.0.0.1', resolve));
    return (holder.address() as { port: number }).port;
  }

  it('moves from a default port another process holds to a free one, so two workers never clash', async () => {
    const held = await holdPort();
    const target = await metricsExport({}, { defaultAddress: `127.0.0.1:${held}` });
    expect(target.kind).toBe('prometheus');
    const url = target.kind === 'prometheus' ? new URL(target.url) : undefined;
    expect(url?.hostname).toBe('127.0.0.1');
    expect(Number(url?.port)).not.toBe(held);
    expect(url?.pathname).toBe('/metrics');
  });

  it('refuses an address asked for that is taken or malformed, naming the setting', async () => {
    const held = await holdPort();
    await expect(metricsExport({ TANDEM_METRICS_ADDRESS: `127.0.0.1:${held}` })).rejects.toThrow(
      new RegExp(`TANDEM_METRICS_ADDRESS: 127.0.0.1:${held} is in use`),
    );
    await expect(metricsExport({}, { address: 'localhost' })).rejects.toBeInstanceOf(ConfigError);
    await expect(metricsExport({}, { address: 'localhost' })).rejects.toThrow(
      /--metrics-address: "localhost" is not HOST:PORT/,
    );
  });

  it('serves Prometheus with _total counters and durations in seconds', async () => {
    const options = runtimeMetricsOptions(await metricsExport({}, { address: '127.0.0.1:0' }), {});
    expect(options).toMatchObject({
      prometheus: { countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
    });
  });

  it('pushes to the OTLP collector of the standard variables with OTEL_METRICS_EXPORTER=otlp', async () => {
    const env = {
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=obs,authorization=Bearer%20abc',
    };
    const target = await metricsExport(env);
    expect(target).toEqual({
      kind: 'otlp',
      url: 'http://collector:4318/v1/metrics',
      protocol: 'http/protobuf',
    });
    expect(runtimeMetricsOptions(target, env)).toMatchObject({
      otel: {
        url: 'http://collector:4318/v1/metrics',
        http: true,
        headers: { 'x-team': 'obs', authorization: 'Bearer abc' },
      },
    });
    expect(await metricsExport({ ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatchObject({
      url: 'http://collector:4318/',
      protocol: 'grpc',
    });
    await expect(
      metricsExport({ ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    ).rejects.toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
  });

  it('turns off with "off", OTEL_METRICS_EXPORTER=none or OTEL_SDK_DISABLED=true', async () => {
    for (const env of [
      { TANDEM_METRICS_ADDRESS: 'off' },
      { OTEL_METRICS_EXPORTER: 'none' },
      { OTEL_SDK_DISABLED: 'true', OTEL_METRICS_EXPORTER: 'otlp' },
    ]) {
      expect(await metricsExport(env)).toEqual({ kind: 'off' });
    }
  });
});
