import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inSpan,
  startTracing,
  tracingWanted,
  workflowSpanDestination,
} from '../../src/telemetry/tracing';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver';

describe('tracing set up from the standard OTEL_* variables', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it('wants an endpoint, and none when the SDK is disabled', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(
      true,
    );
    expect(
      tracingWanted({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_SDK_DISABLED: 'TRUE',
      }),
    ).toBe(false);
  });

  // One process, one global tracer provider: the no-endpoint case runs first.
  it('creates no SDK and no exporter with no endpoint: spans are the no-op API', async () => {
    const tracing = await startTracing({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'tandem-test');
    expect(tracing.enabled).toBe(false);
    expect(workflowSpanDestination()).toBeUndefined();
    const recorded = await inSpan('tandem.start', {}, (span) =>
      Promise.resolve(span.isRecording()),
    );
    expect(recorded).toBe(false);
    expect(trace.getActiveSpan()).toBeUndefined();
    await tracing.shutdown();
    expect(receiver.bodies()).toEqual([]);
  });

  it('exports with the protocol OTEL_EXPORTER_OTLP_PROTOCOL names (http/protobuf)', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/protobuf';
    process.env.OTEL_SERVICE_NAME = 'tandem-protobuf-check';
    const tracing = await startTracing(process.env, 'tandem-test');
    expect(tracing.enabled).toBe(true);
    expect(workflowSpanDestination()).toBeDefined();
    await inSpan('tandem.start', {}, () => Promise.resolve());
    await tracing.shutdown();

    const [exported] = receiver.bodies();
    expect(exported?.contentType).toBe('application/x-protobuf');
    // The protobuf body carries the span's name and the service named by OTEL_SERVICE_NAME.
    expect(exported?.body.toString('latin1')).toContain('tandem.start');
    expect(exported?.body.toString('latin1')).toContain('tandem-protobuf-check');
  });
});
