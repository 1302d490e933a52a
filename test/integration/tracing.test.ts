import { context, propagation, trace } from '@opentelemetry/api';
import { Client } from '@temporalio/client';
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor, type DeliveryState } from '../../src/contract/contracts';
import type { DeliverySummary } from '../../src/client/client';
import type { OpenApiDocument } from '../../src/gateway/openapi';
import { startTracing, type Tracing } from '../../src/telemetry/tracing';
import { recordHistory } from '../support/history';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';
import { spawnTandem } from '../support/processes';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { INVENTORY_TOKEN } from '../support/system';
import { until } from '../support/wait';

/** A secret in the shipping target's URL: no span may carry it. */
const URL_SECRET = 'url-s3cret-never-in-spans';

const TRACING_ENV = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_BSP_SCHEDULE_DELAY',
] as const;

let receiver: OtlpReceiver;
let tracing: Tracing;
let system: GatewaySystem;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // The SDK reads the standard variables from the process's environment, as in production.
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  } satisfies Record<(typeof TRACING_ENV)[number], string>);
  tracing = await startTracing(process.env, 'tandem-test');
  system = await startGatewaySystem({
    tune: (doc) => {
      const shipping = doc.targets.shipping as { request: { url: string } };
      shipping.request.url += '?key=${SHIPPING_KEY}';
    },
    env: { SHIPPING_KEY: URL_SECRET },
  });
});

afterAll(async () => {
  await system?.stop();
  await tracing?.shutdown();
  await receiver?.stop();
  // A test file's process may run other files next: they must start with tracing off again.
  for (const name of TRACING_ENV) delete process.env[name];
  trace.disable();
  propagation.disable();
  context.disable();
});

const child = (spans: ReceivedSpan[], parent: ReceivedSpan, name: string) =>
  spans.filter((s) => s.parentSpanId === parent.spanId && s.name === name);

/** The headers of every attempt the run scheduled, from its history. */
async function attemptHeaders(id: string) {
  const handle = new Client({ connection: system.connection }).workflow.getHandle(
    workflowIdFor(id),
  );
  return ((await handle.fetchHistory()).events ?? [])
    .map((event) => event.activityTaskScheduledEventAttributes)
    .filter((scheduled) => scheduled != null)
    .map((scheduled) => Object.keys(scheduled.header?.fields ?? {}));
}

describe('a delivery traced through the gateway', () => {
  it('is one trace from the caller through legs, attempts and compensation, and its id is the correlation id', async () => {
    expect(tracing.enabled).toBe(true);
    const { targets } = system;
    // Inventory fails once (a backoff), then reserves; shipping rejects later: inventory is undone.
    targets.setFault('inventory', 'create', { status: 503, times: 1 });
    targets.setFault('shipping', 'create', {
      status: 422,
      body: { error: 'unknown address' },
      latencyMs: 1500,
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const id = system.newId();

    const accepted = await system.http<DeliveryState & { traceId: string }>(
      'POST',
      '/v1/deliveries',
      {
        json: { id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1' } },
        headers: { traceparent: `00-${traceId}-${callerSpan}-01` },
      },
    );
    expect(accepted.status).toBe(202);
    expect(accepted.body.traceId).toBe(traceId);
    const done = await system.until(id, (state) => state.status === 'compensated');
    await recordHistory(system.connection, id, 'traced-compensated');
    expect(done.traceId).toBe(traceId);
    expect((await system.client.status(id)).traceId).toBe(traceId);

    const spans = await until(
      () => receiver.spans().filter((s) => s.traceId === traceId),
      (found) =>
        found.some((s) => s.name === 'RunWorkflow:delivery') &&
        found.filter((s) => s.name === 'tandem.attempt').length === 4,
      {
        timeoutMs: 30_000,
        message: (found) => `spans of the trace: ${found.map((s) => s.name).join(', ')}`,
      },
    );

    // gateway → start → client's StartWorkflow → workflow → legs and compensation.
    const gateway = spans.find((s) => s.parentSpanId === callerSpan)!;
    expect(gateway).toMatchObject({
      name: 'POST /v1/deliveries',
      attributes: { 'http.route': '/v1/deliveries', 'http.response.status_code': 202 },
    });
    const [start] = child(spans, gateway, 'tandem.start');
    expect(start!.attributes['tandem.delivery.id']).toBe(id);
    const [startWorkflow] = child(spans, start!, 'StartWorkflow:delivery');
    const [run] = child(spans, startWorkflow!, 'RunWorkflow:delivery');
    const legs = child(spans, run!, 'tandem.leg');
    expect(
      legs.map((l) => [l.attributes['tandem.target'], l.attributes['tandem.outcome']]).sort(),
    ).toEqual([
      ['inventory', 'succeeded'],
      ['shipping', 'failed'],
    ]);
    const [undo] = child(spans, run!, 'tandem.compensation');
    expect(undo!.attributes).toMatchObject({
      'tandem.target': 'inventory',
      'tandem.outcome': 'succeeded',
    });

    // Each phase's attempts: StartActivity → RunActivity → the HTTP attempt.
    const attemptsOf = (phase: ReceivedSpan, activity: string) =>
      child(spans, phase, `StartActivity:${activity}`)
        .flatMap((s) => child(spans, s, `RunActivity:${activity}`))
        .flatMap((s) => child(spans, s, 'tandem.attempt'));
    const inventoryLeg = legs.find((l) => l.attributes['tandem.target'] === 'inventory')!;
    const shippingLeg = legs.find((l) => l.attributes['tandem.target'] === 'shipping')!;
    const inventoryAttempts = attemptsOf(inventoryLeg, 'deliver');
    expect(
      inventoryAttempts.map((a) => [
        a.attributes['tandem.attempt'],
        a.attributes['tandem.outcome'],
        a.attributes['http.response.status_code'],
      ]),
    ).toEqual([
      [1, 'transient', 503],
      [2, 'success', 201],
    ]);
    expect(inventoryAttempts[0]!.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.template': `${targets.url}/inventory/reservations`,
      'server.address': '127.0.0.1',
      'tandem.delivery.id': id,
      'tandem.target': 'inventory',
      'tandem.phase': 'deliver',
    });
    expect(inventoryLeg.events.map((e) => e.name)).toEqual(['tandem.backoff']);
    const [shippingAttempt] = attemptsOf(shippingLeg, 'deliver');
    expect(shippingAttempt!.attributes).toMatchObject({
      'tandem.outcome': 'permanent',
      'http.response.status_code': 422,
      'url.template': `${targets.url}/shipping/shipments?key=\${SHIPPING_KEY}`,
    });
    const [undoAttempt] = attemptsOf(undo!, 'compensate');
    expect(undoAttempt!.attributes).toMatchObject({
      'http.request.method': 'DELETE',
      'tandem.phase': 'compensate',
      'url.template': `${targets.url}/inventory/reservations/{{response.body.id}}`,
    });

    // Every target request carried the traceparent of its own attempt span.
    const sent = targets.received().map((r) => r.headers.traceparent);
    const attemptSpans = spans.filter((s) => s.name === 'tandem.attempt');
    expect(sent.sort()).toEqual(attemptSpans.map((s) => `00-${traceId}-${s.spanId}-01`).sort());

    // No secret, of a header or of a URL, in anything exported.
    const exported = receiver
      .bodies()
      .map((b) => b.body.toString('utf8'))
      .join('\n');
    expect(exported).toContain(id);
    expect(exported).not.toContain(INVENTORY_TOKEN);
    expect(exported).not.toContain(URL_SECRET);
  });

  it('traces operator actions in traces of their own, linked to the run they acted on', async () => {
    system.targets.setFault('inventory', 'create', { status: 503 });
    const id = system.newId();
    const { traceId } = await system.client.start({ id, targets: ['inventory'], payload: {} });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await system.until(id, (state) => state.legs[0]!.attempts >= 1);
    await system.client.steer(id, 'pause', {});
    await system.client.cancel(id, 'no longer needed');
    await system.until(id, (state) => state.status === 'cancelled');
    await recordHistory(system.connection, id, 'traced-paused-then-cancelled');

    const actions = await until(
      () =>
        receiver
          .spans()
          .filter((s) => s.name === 'tandem.action' && s.attributes['tandem.delivery.id'] === id),
      (found) => found.length === 2,
      { message: (found) => `${found.length} tandem.action spans` },
    );
    expect(actions.map((a) => a.attributes['tandem.action']).sort()).toEqual(['cancel', 'pause']);
    for (const action of actions) {
      expect(action.traceId).not.toBe(traceId);
      expect(action.links.map((l) => l.traceId)).toEqual([traceId]);
    }
    system.targets.clearFaults();
  });

  it("shows the run's trace id in its current details in the Temporal UI", async () => {
    const id = system.newId();
    const { traceId } = await system.client.start({ id, targets: ['inventory'], payload: {} });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await system.until(id, (state) => state.status === 'completed');

    const handle = new Client({ connection: system.connection }).workflow.getHandle(
      workflowIdFor(id),
    );
    const { currentDetails } = await handle.query<{ currentDetails: string }>(
      '__temporal_workflow_metadata',
    );
    expect(currentDetails.split('\n')).toContain(`trace ${traceId}`);
  });

  it('lists each delivery with the trace id it was started in, as the OpenAPI document describes', async () => {
    const id = system.newId();
    const { traceId } = await system.client.start({ id, targets: ['inventory'], payload: {} });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await system.until(id, (state) => state.status === 'completed');

    const list = await until(
      async () =>
        (await system.http<{ deliveries: DeliverySummary[] }>('GET', '/v1/deliveries?limit=10'))
          .body,
      (body) => body.deliveries.some((d) => d.id === id),
      { message: (body) => `listed: ${body.deliveries.map((d) => d.id).join(', ')}` },
    );
    expect(list.deliveries.find((d) => d.id === id)).toMatchObject({ id, traceId });

    const { body: document } = await system.http<OpenApiDocument>('GET', '/openapi.json', {
      key: null,
    });
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile({
      $ref: '#/components/schemas/DeliveryList',
      components: document.components,
    });
    expect(validate(list), JSON.stringify(validate.errors)).toBe(true);
  });

  it("exports a CLI action's tandem.action span before the tandem process exits, whether the run accepts or refuses it", async () => {
    system.targets.setFault('inventory', 'create', { status: 503 });
    const id = system.newId();
    const { traceId } = await system.client.start({ id, targets: ['inventory'], payload: {} });
    await system.until(id, (state) => state.legs[0]!.attempts >= 1);
    // Paused, its deadline stops: it cannot end on its own while the commands run.
    await system.client.steer(id, 'pause', {});
    const env = {
      TANDEM_CONFIG: await system.writeConfigFile(),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Far beyond the command's life: only the flush at exit can send the span.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    };
    // Each list is read as soon as the process has exited, with no wait: it sent before exiting.
    const actionSpans = () =>
      receiver
        .spans()
        .filter((s) => s.name === 'tandem.action' && s.attributes['tandem.delivery.id'] === id);
    // This process's own pause span first, so the CLI's are the ones after it.
    await until(actionSpans, (found) => found.length === 1, {
      message: (found) => `${found.length} tandem.action spans`,
    });

    // Refused by the run (every leg is paused already), so failing inside its span: exit 6.
    const refused = await spawnTandem(['pause', id], env).exited;
    expect(refused.stderr).toMatch(/paused already/);
    expect(refused.code).toBe(6);
    expect(actionSpans().map((s) => s.attributes['tandem.action'])).toEqual(['pause', 'pause']);

    const cancelled = await spawnTandem(['cancel', id, '--reason', 'traced from the CLI'], env)
      .exited;
    expect(cancelled.stderr).toBe('');
    expect(cancelled.code).toBe(0);
    const [, , sent] = actionSpans();
    expect(sent?.attributes['tandem.action']).toBe('cancel');
    expect(sent?.links.map((l) => l.traceId)).toEqual([traceId]);
    await system.until(id, (state) => state.status === 'cancelled');
    system.targets.clearFaults();
  });

  it('makes no span for a run started with tracing off, and stamps no trace header on its attempts', async () => {
    const untraced = system.newId();
    const env = { TANDEM_CONFIG: await system.writeConfigFile(), OTEL_SDK_DISABLED: 'true' };
    const args = ['deliver', '--id', untraced, '--targets', 'inventory', '--payload', '{}'];
    expect((await spawnTandem(args, env).exited).code).toBe(0);
    const traced = system.newId();
    await system.client.start({ id: traced, targets: ['inventory'], payload: {} });
    await system.until(untraced, (state) => state.status === 'completed');
    await system.until(traced, (state) => state.status === 'completed');

    // The same worker, tracing on, stamps the attempts of the run started in a trace only.
    expect(await attemptHeaders(traced)).toEqual([['_tracer-data']]);
    expect(await attemptHeaders(untraced)).toEqual([[]]);
    // Once the traced run's leg span is in, every span of that time is: none names the other run.
    await until(
      () => receiver.spans().filter((s) => s.attributes['tandem.delivery.id'] === traced),
      (found) => found.some((s) => s.name === 'tandem.leg'),
      { message: (found) => `spans of the traced run: ${found.map((s) => s.name).join(', ')}` },
    );
    // (This test's own status reads, `DescribeWorkflow`, are traced: they are not the run's.)
    const named = receiver.spans().filter((s) => JSON.stringify(s).includes(untraced));
    expect(named.map((s) => s.name).filter((name) => name !== 'DescribeWorkflow')).toEqual([]);
  });
});
