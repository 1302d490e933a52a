import Ajv2020 from 'ajv/dist/2020';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../../src/gateway/openapi';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';

const both = ['inventory', 'shipping'];

/** The value of one sample in a Prometheus text page, 0 when absent. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of page.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return 0;
}

describe('the HTTP gateway', () => {
  let system: GatewaySystem;
  afterEach(async () => {
    await system.stop();
  });

  it('serves a valid OpenAPI 3.1 document, and every route in it answers as it says', async () => {
    system = await startGatewaySystem();
    const id = system.newId();
    const started = await system.http('POST', '/v1/deliveries', {
      json: { id, targets: both, payload: {} },
    });
    expect(started.status).toBe(202);
    await system.until(id, (s) => s.status === 'completed');

    const { body: document } = await system.http<OpenApiDocument>('GET', '/openapi.json', {
      key: null,
    });
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');

    // Each operation, called as the document describes it, answers a status it documents, with
    // a body of the schema it documents for that status.
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const examples: Record<string, { path: string; json?: unknown }> = {
      startDelivery: { path: '/v1/deliveries', json: { id, targets: both, payload: {} } },
      listDeliveries: { path: '/v1/deliveries?limit=5' },
      getDelivery: { path: `/v1/deliveries/${id}` },
      cancelDelivery: { path: `/v1/deliveries/${id}/cancel` },
      retryDelivery: { path: `/v1/deliveries/${id}/retry`, json: {} },
      resolveDelivery: { path: `/v1/deliveries/${id}/resolve`, json: { note: 'by hand' } },
      pauseDelivery: { path: `/v1/deliveries/${id}/pause`, json: {} },
      resumeDelivery: { path: `/v1/deliveries/${id}/resume`, json: {} },
      retryNowDelivery: { path: `/v1/deliveries/${id}/retry-now`, json: {} },
      extendDeadline: {
        path: `/v1/deliveries/${id}/extend`,
        json: { leg: 'inventory', duration: '1m' },
      },
      // A dry run starts nothing; an unknown bulk action answers its documented 404.
      startBulkAction: {
        path: '/v1/deliveries/batch',
        json: { action: 'retry', all: true, dryRun: true },
      },
      getBulkAction: { path: '/v1/batches/tandem-batch-none' },
      // A target's actions without changing it: one it is not in (409), or no such target (404).
      listTargets: { path: '/v1/targets' },
      pauseTarget: { path: '/v1/targets/ledger/pause', json: {} },
      resumeTarget: { path: '/v1/targets/inventory/resume', json: {} },
      limitTarget: { path: '/v1/targets/ledger/limit', json: { rate: '5/s' } },
      health: { path: '/healthz' },
      metrics: { path: '/metrics' },
      openapi: { path: '/openapi.json' },
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.map((o) => o.operation.operationId).sort()).toEqual(
      Object.keys(examples).sort(),
    );
    for (const { method, operation } of operations) {
      const example = examples[operation.operationId as string]!;
      const answer = await system.http(method.toUpperCase(), example.path, { json: example.json });
      const documented = (operation.responses as Record<string, Record<string, unknown>>)[
        String(answer.status)
      ];
      expect(
        documented,
        `${operation.operationId as string} answered ${answer.status}`,
      ).toBeDefined();
      const content = documented!.content as Record<string, { schema: object }>;
      const mediaType = answer.contentType.split(';')[0]!;
      const schema = content[mediaType]?.schema ?? content['text/plain']?.schema;
      expect(schema, `${operation.operationId as string}: ${mediaType}`).toBeDefined();
      const validate = ajv.compile({ ...schema, components: document.components });
      expect(validate(answer.body), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('counts in /metrics what happened: requests by route and status, starts, refusals and outcomes', async () => {
    system = await startGatewaySystem({ gateway: { metricsRefresh: 100 } });
    const id = system.newId();
    const request = { id, targets: both, payload: {} };

    await system.http('POST', '/v1/deliveries', { json: request });
    await system.http('POST', '/v1/deliveries', { json: request });
    await system.http('POST', '/v1/deliveries', { json: { ...request, targets: ['ledger'] } });
    await system.http('POST', '/v1/deliveries', { json: request, key: null });
    await system.http('GET', `/v1/deliveries/${system.newId('missing')}`);
    await system.until(id, (s) => s.status === 'completed');

    await expect
      .poll(
        async () =>
          sample((await system.http<string>('GET', '/metrics')).body, 'tandem_deliveries', {
            status: 'completed',
          }),
        {
          timeout: 15_000,
        },
      )
      .toBe(1);
    const { body: page } = await system.http<string>('GET', '/metrics');
    const requests = (route: string, method: string, status: string) =>
      sample(page, 'tandem_gateway_requests_total', { method, route, status });
    expect(requests('/v1/deliveries', 'POST', '202')).toBe(2);
    expect(requests('/v1/deliveries', 'POST', '422')).toBe(1);
    expect(requests('/v1/deliveries', 'POST', '401')).toBe(1);
    expect(requests('/v1/deliveries/:id', 'GET', '404')).toBe(1);
    expect(requests('/v1/deliveries/:id', 'GET', '200')).toBeGreaterThanOrEqual(1);
    expect(sample(page, 'tandem_gateway_delivery_starts_total', { result: 'started' })).toBe(1);
    expect(sample(page, 'tandem_gateway_delivery_starts_total', { result: 'existing' })).toBe(1);
    expect(sample(page, 'tandem_gateway_refusals_total', { reason: 'unknown-target' })).toBe(1);
    expect(sample(page, 'tandem_gateway_refusals_total', { reason: 'unauthorized' })).toBe(1);
    expect(sample(page, 'tandem_gateway_refusals_total', { reason: 'delivery-not-found' })).toBe(1);
    expect(sample(page, 'tandem_deliveries', { status: 'running' })).toBe(0);
    expect(page).toContain('process_cpu_user_seconds_total');
  });

  it('counts the legs held per target in /metrics: waiting out a backoff, paused, then held by the target', async () => {
    system = await startGatewaySystem({ gateway: { metricsRefresh: 100 } });
    system.targets.setFault('shipping', 'create', { status: 503, retryAfter: '60' });
    const id = system.newId();
    await system.client.start({ id, targets: both, payload: {} });
    const states = ['waiting', 'paused', 'held'] as const;
    const held = async () => {
      const { body } = await system.http<string>('GET', '/metrics');
      return states.flatMap((state) =>
        both.map(
          (target) => `${target} ${state} ${sample(body, 'tandem_legs', { target, state })}`,
        ),
      );
    };
    /** The gauge's samples with shipping's leg held for `hold` only, in `held`'s order. */
    const only = (hold: (typeof states)[number]) =>
      states.flatMap((state) =>
        both.map(
          (target) => `${target} ${state} ${target === 'shipping' && state === hold ? 1 : 0}`,
        ),
      );

    await expect.poll(held, { timeout: 15_000 }).toEqual(only('waiting'));
    await system.client.steer(id, 'pause', { leg: 'shipping' });
    await expect.poll(held, { timeout: 15_000 }).toEqual(only('paused'));
    // Resumed by the operator while the target is paused: the leg stays held, by the target.
    await system.client.actOnTarget('shipping', 'pauseTarget', {});
    await system.client.steer(id, 'resume', { leg: 'shipping' });
    await expect.poll(held, { timeout: 15_000 }).toEqual(only('held'));
    await system.client.actOnTarget('shipping', 'resumeTarget', {});
    await system.client.cancel(id);
  });

  it('reports Temporal reachable on /healthz without an API key, and where it is only with one', async () => {
    system = await startGatewaySystem();

    const open = await system.http('GET', '/healthz', { key: null });
    const withKey = await system.http('GET', '/healthz');

    expect(open).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(open.body).not.toHaveProperty('temporal');
    expect(withKey).toMatchObject({
      status: 200,
      body: { status: 'ok', temporal: { reachable: true, namespace: 'default' } },
    });
  });
});
