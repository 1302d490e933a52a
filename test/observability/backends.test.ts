import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startGatewaySystem, type GatewaySystem } from '../support/gateway';
import {
  listeningAddresses,
  startTestJaeger,
  startTestPrometheus,
  type TestJaeger,
  type TestPrometheus,
} from './backends';

describe('Jaeger', () => {
  let jaeger: TestJaeger;
  beforeAll(async () => {
    jaeger = await startTestJaeger();
  });
  afterAll(() => jaeger?.stop());

  /** The three OTLP protocols `OTEL_EXPORTER_OTLP_PROTOCOL` may name, each to its listener. */
  const exporters: [string, () => SpanExporter][] = [
    ['http/protobuf', () => new ProtobufExporter({ url: `${jaeger.otlpHttpUrl}/v1/traces` })],
    ['http/json', () => new JsonExporter({ url: `${jaeger.otlpHttpUrl}/v1/traces` })],
    ['grpc', () => new GrpcExporter({ url: `http://127.0.0.1:${jaeger.ports.otlpGrpc}` })],
  ];

  it.each(exporters)(
    'returns from its query API the spans an OTel SDK exported over OTLP %s, parent, attributes and events kept',
    async (protocol, exporter) => {
      const provider = new BasicTracerProvider({
        resource: new Resource({ 'service.name': `tandem-test-${protocol}` }),
        spanProcessors: [new SimpleSpanProcessor(exporter())],
      });
      const tracer: Tracer = provider.getTracer('observability-tier');
      const root = tracer.startSpan('delivery', { attributes: { 'tandem.delivery.id': 'd-1' } });
      const { traceId, spanId: rootId } = root.spanContext();
      const child = tracer.startSpan(
        'attempt',
        { attributes: { 'tandem.attempt': 2, 'http.response.status_code': 503 } },
        trace.setSpan(context.active(), root),
      );
      child.addEvent('retry-after', { 'tandem.wait_ms': 1500 });
      child.setStatus({ code: SpanStatusCode.ERROR });
      child.end();
      root.end();
      await provider.forceFlush();
      await provider.shutdown();

      const spans = await jaeger.queryTrace(traceId, (found) => found.length === 2);
      const byName = Object.fromEntries(spans.map((span) => [span.name, span]));
      expect(byName.delivery).toMatchObject({
        traceId,
        spanId: rootId,
        service: `tandem-test-${protocol}`,
        attributes: { 'tandem.delivery.id': 'd-1' },
      });
      expect(byName.delivery!.parentSpanId).toBeUndefined();
      expect(byName.attempt).toMatchObject({
        parentSpanId: rootId,
        attributes: { 'tandem.attempt': 2, 'http.response.status_code': 503 },
        events: [{ name: 'retry-after', attributes: { 'tandem.wait_ms': 1500 } }],
        statusCode: 2,
      });
    },
  );

  it('listens on 127.0.0.1 only, on exactly the ports it was given', async () => {
    const given = Object.values(jaeger.ports).map((port) => `127.0.0.1:${port}`);
    expect(await listeningAddresses(jaeger.pid)).toEqual(given.sort());
  });
});

describe('Prometheus', () => {
  let system: GatewaySystem;
  let prometheus: TestPrometheus;
  beforeAll(async () => {
    system = await startGatewaySystem({ workers: false });
    prometheus = await startTestPrometheus([
      { job: 'tandem-gateway', url: `${system.url}/metrics`, bearer: API_KEY },
    ]);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await system?.stop();
  });

  it("scrapes the gateway's /metrics with its read key and answers a query with its series", async () => {
    expect((await system.http('GET', '/v1/deliveries/never-started')).status).toBe(404);
    const [up] = await prometheus.promQuery('up{job="tandem-gateway"} == 1');
    expect(up!.metric.instance).toBe(new URL(system.url).host);
    const series = await prometheus.promQuery(
      'tandem_gateway_requests_total{job="tandem-gateway", status="404"}',
    );
    expect(series.map((one) => one.metric.method)).toContain('GET');
    expect(series.reduce((sum, one) => sum + one.value, 0)).toBeGreaterThanOrEqual(1);
  });

  it('listens on 127.0.0.1 only, on the one port it was given', async () => {
    expect(await listeningAddresses(prometheus.pid)).toEqual([new URL(prometheus.url).host]);
  });
});
