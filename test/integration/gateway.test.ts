import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { stringify } from 'yaml';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { DeliveryState } from '../../src/contract/contracts';
import { GatewaySetupError } from '../../src/contract/errors';
import type { OpenApiDocument } from '../../src/gateway/openapi';
import type { Problem } from '../../src/gateway/schemas';
import { createGateway } from '../../src/gateway/server';
import {
  API_KEY,
  startGatewaySystem,
  withUnreachableGateway,
  type GatewaySystem,
  type GatewayReply,
} from '../support/gateway';
import { historyText } from '../support/history';
import { spawnTandem } from '../support/processes';

const both = ['inventory', 'shipping'];

type Accepted = DeliveryState & { workflowId: string; started: boolean };

/** Asserts an RFC 9457 answer of `status` and `kind`, and returns its body. */
function expectProblem(answer: GatewayReply<unknown>, status: number, kind: string): Problem {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  const problem = answer.body as Problem;
  expect(problem).toMatchObject({ type: `urn:tandem:problem:${kind}`, status });
  expect(problem.title).toEqual(expect.any(String));
  expect(problem.detail).toEqual(expect.any(String));
  return problem;
}

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

  it('answers 202 with a Location before either target has answered, then the delivery completes', async () => {
    system = await startGatewaySystem();
    const { targets } = system;
    targets.setFault('inventory', 'create', { latencyMs: 2000 });
    targets.setFault('shipping', 'create', { latencyMs: 2000 });
    const id = system.newId();

    const before = Date.now();
    const answer = await system.http<Accepted>('POST', '/v1/deliveries', {
      json: { id, targets: both, payload: { sku: 'A-1', qty: 2 } },
    });
    const tookMs = Date.now() - before;

    expect(answer.status).toBe(202);
    expect(answer.headers.get('location')).toBe(`/v1/deliveries/${id}`);
    expect(answer.body).toMatchObject({
      id,
      workflowId: `delivery-${id}`,
      started: true,
      status: 'running',
      legs: [
        { target: 'inventory', status: 'pending', attempts: 0 },
        { target: 'shipping', status: 'pending', attempts: 0 },
      ],
    });
    expect(targets.received().every((r) => r.answeredAt === undefined)).toBe(true);
    expect(tookMs).toBeLessThan(2000);

    const done = await system.until(id, (s) => s.status === 'completed');
    expect(done.legs.map((l) => [l.target, l.status, l.lastHttpStatus])).toEqual([
      ['inventory', 'succeeded', 201],
      ['shipping', 'succeeded', 201],
    ]);
    const read = await system.http('GET', answer.headers.get('location')!);
    expect(read).toMatchObject({ status: 200, body: { id, status: 'completed' } });
  });

  it('runs and sends once when the same POST comes twice, and refuses another body for the same id with 409', async () => {
    system = await startGatewaySystem();
    const { targets } = system;
    const id = system.newId();
    const request = { id, targets: both, payload: { sku: 'A-1', qty: 1 } };

    const first = await system.http<Accepted>('POST', '/v1/deliveries', { json: request });
    const second = await system.http<Accepted>('POST', '/v1/deliveries', {
      json: request,
      contentType: 'application/json; charset=utf-8',
    });
    await system.until(id, (s) => s.status === 'completed');
    // Key order and target order do not make another request.
    const third = await system.http<Accepted>('POST', '/v1/deliveries', {
      json: { payload: { qty: 1, sku: 'A-1' }, targets: ['shipping', 'inventory'], id },
    });
    const conflict = await system.http('POST', '/v1/deliveries', {
      json: { ...request, payload: { sku: 'A-1', qty: 2 } },
    });

    for (const answer of [first, second, third]) {
      expect(answer.status).toBe(202);
      expect(answer.headers.get('location')).toBe(`/v1/deliveries/${id}`);
    }
    expect([first, second, third].map((a) => a.body.started)).toEqual([true, false, false]);
    expect(third.body).toMatchObject({ status: 'completed', legs: [{}, {}] });
    const problem = expectProblem(conflict, 409, 'delivery-conflict');
    expect(problem.errors).toEqual([expect.objectContaining({ in: 'body', path: 'id' })]);
    expect(targets.received('inventory', 'create')).toHaveLength(1);
    expect(targets.received('shipping', 'create')).toHaveLength(1);
  });

  describe('refuses, starting nothing and sending nothing,', () => {
    const cases: {
      name: string;
      status: number;
      kind: string;
      request: (id: string) => Parameters<GatewaySystem['http']>[2];
      fields: string[];
    }[] = [
      {
        name: 'malformed JSON',
        status: 400,
        kind: 'invalid-request',
        request: (id) => ({ raw: `{"id": "${id}", "targets": [` }),
        fields: [''],
      },
      {
        name: 'wrong types, naming every bad field',
        status: 400,
        kind: 'invalid-request',
        request: (id) => ({ json: { id, targets: ['inventory', 7], payload: undefined, ttl: 1 } }),
        fields: ['targets.1', 'payload', 'ttl'],
      },
      {
        name: 'a malformed id and a repeated target',
        status: 400,
        kind: 'invalid-request',
        request: (id) => ({
          json: { id: ` ${id}`, targets: ['shipping', 'shipping'], payload: 1 },
        }),
        fields: ['id', 'targets.1'],
      },
      {
        name: 'an unknown target',
        status: 422,
        kind: 'unknown-target',
        request: (id) => ({ json: { id, targets: ['inventory', 'ledger'], payload: {} } }),
        fields: ['targets.1'],
      },
      {
        name: 'a body over gateway.bodyLimit',
        status: 413,
        kind: 'payload-too-large',
        request: (id) => ({ json: { id, targets: both, payload: 'x'.repeat(6 * 1024) } }),
        fields: [''],
      },
      {
        name: 'a payload over limits.payload',
        status: 413,
        kind: 'payload-too-large',
        request: (id) => ({ json: { id, targets: both, payload: 'x'.repeat(1024) } }),
        fields: ['payload'],
      },
      {
        name: 'a body that is not JSON',
        status: 415,
        kind: 'unsupported-media-type',
        request: (id) => ({ raw: `id=${id}`, contentType: 'application/x-www-form-urlencoded' }),
        fields: ['Content-Type'],
      },
      {
        name: 'a missing API key',
        status: 401,
        kind: 'unauthorized',
        request: (id) => ({ json: { id, targets: both, payload: {} }, key: null }),
        fields: ['Authorization'],
      },
      {
        name: 'a wrong API key',
        status: 401,
        kind: 'unauthorized',
        request: (id) => ({
          json: { id, targets: both, payload: {} },
          key: 'not-the-key-0123456789',
        }),
        fields: ['Authorization'],
      },
    ];

    it.each(cases)('$name with $status', async ({ status, kind, request, fields }) => {
      system = await startGatewaySystem({
        gateway: { bodyLimit: 5 * 1024 },
        limits: { payload: 1000 },
      });
      const id = system.newId('refused');

      const answer = await system.http('POST', '/v1/deliveries', request(id));

      const problem = expectProblem(answer, status, kind);
      expect(problem.errors?.map((e) => e.path)).toEqual(fields);
      if (status === 401) expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      await system.expectNoRun(id);
      expect(system.targets.received()).toEqual([]);
    });

    it('an unknown delivery with 404, on every route that names one', async () => {
      system = await startGatewaySystem();
      const id = system.newId('missing');

      for (const [method, path, json] of [
        ['GET', '', undefined],
        ['POST', '/cancel', undefined],
        ['POST', '/retry', {}],
        ['POST', '/resolve', { note: 'done by hand' }],
      ] as const) {
        const answer = await system.http(method, `/v1/deliveries/${id}${path}`, { json });
        const problem = expectProblem(answer, 404, 'delivery-not-found');
        expect(problem.errors).toEqual([expect.objectContaining({ in: 'path', path: 'id' })]);
      }
      await system.expectNoRun(id);
      // The longest id there can be is still looked up, not refused by the router.
      expectProblem(
        await system.http('GET', `/v1/deliveries/${'a'.repeat(200)}`),
        404,
        'delivery-not-found',
      );
      expectProblem(await system.http('GET', '/v1/nothing-here'), 404, 'route-not-found');
      const wrongMethod = await system.http('DELETE', `/v1/deliveries/${id}`);
      expectProblem(wrongMethod, 405, 'method-not-allowed');
      expect(wrongMethod.headers.get('allow')).toBe('GET');
    });

    it('bad query parameters with 400, naming each', async () => {
      system = await startGatewaySystem();

      const answer = await system.http('GET', '/v1/deliveries?status=lost&limit=0&colour=red');

      const problem = expectProblem(answer, 400, 'invalid-request');
      expect(problem.errors?.map((e) => [e.in, e.path])).toEqual([
        ['query', 'status'],
        ['query', 'limit'],
        ['query', 'colour'],
      ]);
    });
  });

  it('cancels a running delivery through HTTP: it undoes what succeeded and ends cancelled', async () => {
    system = await startGatewaySystem();
    const { targets } = system;
    targets.setFault('shipping', 'create', { status: 503 });
    const id = system.newId();

    await system.http('POST', '/v1/deliveries', { json: { id, targets: both, payload: {} } });
    await targets.waitFor((r) => r.api === 'shipping', { count: 2 });
    const cancel = await system.http('POST', `/v1/deliveries/${id}/cancel`, {
      json: { reason: 'the customer called it off' },
    });
    const state = await system.until(id, (s) => s.status === 'cancelled');
    const again = await system.http('POST', `/v1/deliveries/${id}/cancel`);

    expect(cancel).toMatchObject({ status: 202, body: { id } });
    expect(state.legs.map((l) => [l.target, l.status])).toEqual([
      ['inventory', 'compensated'],
      ['shipping', 'cancelled'],
    ]);
    expect(targets.live('inventory')).toEqual([]);
    expect(await historyText(system.connection, id)).toContain('the customer called it off');
    expect(expectProblem(again, 409, 'action-refused').detail).toMatch(
      /cancelled.*nothing to cancel/,
    );
  });

  it('retries a parked delivery through HTTP, and refuses a retry of one that is not parked', async () => {
    system = await startGatewaySystem({
      tune: (doc) => {
        doc.targets.inventory.compensate.retry.maximumAttempts = 2;
      },
    });
    const { targets } = system;
    targets.setFault('shipping', 'create', { status: 422 });
    targets.setFault('inventory', 'undo', { status: 500 });
    const id = system.newId();

    await system.http('POST', '/v1/deliveries', { json: { id, targets: both, payload: {} } });
    const parked = await system.until(id, (s) => s.status === 'needs_attention');
    const wrongLeg = await system.http('POST', `/v1/deliveries/${id}/retry`, {
      json: { leg: 'shipping' },
    });
    targets.clearFaults();
    const retry = await system.http('POST', `/v1/deliveries/${id}/retry`);
    const state = await system.until(id, (s) => s.status === 'compensated');
    const late = await system.http('POST', `/v1/deliveries/${id}/retry`, { json: {} });

    expect(parked.reason).toMatch(/inventory compensation failed/);
    expect(expectProblem(wrongLeg, 409, 'action-refused').detail).toMatch(/shipping/);
    expect(retry.status).toBe(202);
    expect(state.legs[0]).toMatchObject({ status: 'compensated', compensation: { attempts: 3 } });
    expect(targets.live('inventory')).toEqual([]);
    expect(expectProblem(late, 409, 'action-refused').detail).toMatch(/not needs_attention/);
  });

  it('resolves a parked delivery through HTTP with a note, and refuses one without', async () => {
    system = await startGatewaySystem({
      tune: (doc) => {
        doc.targets.inventory.compensate.retry.maximumAttempts = 1;
      },
    });
    const { targets } = system;
    targets.setFault('shipping', 'create', { status: 422 });
    targets.setFault('inventory', 'undo', { status: 500 });
    const id = system.newId();

    await system.http('POST', '/v1/deliveries', { json: { id, targets: both, payload: {} } });
    await system.until(id, (s) => s.status === 'needs_attention');
    const cancel = await system.http('POST', `/v1/deliveries/${id}/cancel`);
    const blank = await system.http('POST', `/v1/deliveries/${id}/resolve`, {
      json: { note: '  ' },
    });
    const resolved = await system.http<DeliveryState>('POST', `/v1/deliveries/${id}/resolve`, {
      json: { note: 'released the reservation by hand' },
    });

    expect(expectProblem(cancel, 409, 'action-refused').detail).toMatch(/retry or resolve it/);
    expect(expectProblem(blank, 400, 'invalid-request').errors).toEqual([
      expect.objectContaining({ path: 'note' }),
    ]);
    expect(resolved.status).toBe(200);
    const state = await system.until(id, (s) => s.status === 'resolved');
    expect(state.note).toBe('released the reservation by hand');
  });

  it('reads, repeats and cancels a delivery whose run is open with no worker running', async () => {
    system = await startGatewaySystem({ workers: false });
    const id = system.newId();
    const request = { id, targets: both, payload: {} };
    const pending = [
      { target: 'inventory', status: 'pending', attempts: 0 },
      { target: 'shipping', status: 'pending', attempts: 0 },
    ];

    const start = await system.http<Accepted>('POST', '/v1/deliveries', { json: request });
    const read = await system.http<DeliveryState>('GET', `/v1/deliveries/${id}`);
    const again = await system.http<Accepted>('POST', '/v1/deliveries', { json: request });
    const cancel = await system.http<Accepted>('POST', `/v1/deliveries/${id}/cancel`);
    await system.startWorkers();
    const state = await system.until(id, (s) => s.status === 'cancelled');

    expect(start).toMatchObject({ status: 202, body: { started: true, status: 'running' } });
    expect(read).toMatchObject({ status: 200, body: { id, status: 'running', legs: pending } });
    expect(again).toMatchObject({ status: 202, body: { started: false, legs: pending } });
    expect(cancel).toMatchObject({ status: 202, body: { id, status: 'running', legs: pending } });
    expect(state.reason).toMatch(/cancelled by an operator/);
    expect(system.targets.live('inventory')).toEqual([]);
    expect(system.targets.live('shipping')).toEqual([]);
  });

  it('reads, repeats and lists a finished delivery with no worker running, in well under a second', async () => {
    system = await startGatewaySystem({ workers: false });
    const workers = await system.startWorkers();
    const id = system.newId();
    const request = { id, targets: both, payload: { sku: 'A-1' } };
    await system.http('POST', '/v1/deliveries', { json: request });
    await system.until(id, (s) => s.status === 'completed');
    await workers.stop();

    const before = performance.now();
    const read = await system.http<DeliveryState>('GET', `/v1/deliveries/${id}`);
    const again = await system.http<Accepted>('POST', '/v1/deliveries', { json: request });
    const tookMs = performance.now() - before;

    for (const answer of [read, again]) {
      expect(answer.body).toMatchObject({ id, status: 'completed' });
      expect(answer.body.legs.map((l) => [l.target, l.status, l.lastHttpStatus])).toEqual([
        ['inventory', 'succeeded', 201],
        ['shipping', 'succeeded', 201],
      ]);
    }
    expect([read.status, again.status, again.body.started]).toEqual([200, 202, false]);
    expect(tookMs).toBeLessThan(1000);
    await expect
      .poll(async () => {
        const page = await system.http<{ deliveries: { id: string; status: string }[] }>(
          'GET',
          '/v1/deliveries?status=completed&limit=20',
        );
        return page.body.deliveries.find((d) => d.id === id)?.status;
      })
      .toBe('completed');
  });

  it('lists deliveries newest first, in pages chained by nextPageToken', async () => {
    system = await startGatewaySystem();
    const ids = [system.newId('page'), system.newId('page'), system.newId('page')];
    for (const id of ids) {
      await system.http('POST', '/v1/deliveries', { json: { id, targets: both, payload: {} } });
      await system.until(id, (s) => s.status === 'completed');
    }

    // Other test files share the server: follow the pages until ours are found, in order.
    const seen: string[] = [];
    const wanted = new Set(ids);
    await expect
      .poll(
        async () => {
          seen.length = 0;
          let token: string | undefined;
          for (let page = 0; page < 200; page++) {
            const query = `status=completed&limit=2${token ? `&pageToken=${token}` : ''}`;
            const answer = await system.http<{
              deliveries: { id: string }[];
              nextPageToken?: string;
            }>('GET', `/v1/deliveries?${query}`);
            expect(answer.status).toBe(200);
            expect(answer.body.deliveries.length).toBeLessThanOrEqual(2);
            seen.push(...answer.body.deliveries.map((d) => d.id).filter((d) => wanted.has(d)));
            token = answer.body.nextPageToken;
            if (token === undefined || seen.length >= ids.length) break;
          }
          return seen;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toEqual([...ids].reverse());

    const otherFilter = await system.http(
      'GET',
      `/v1/deliveries?status=running&pageToken=${'x'.repeat(8)}`,
    );
    expect(expectProblem(otherFilter, 400, 'invalid-request').errors).toEqual([
      expect.objectContaining({ in: 'query', path: 'pageToken' }),
    ]);
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

describe('a gateway whose Temporal is down', () => {
  it('answers 503 on /healthz and a 503 problem to a start, never a 500', async () => {
    await withUnreachableGateway([], async (url) => {
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({
        status: 'unavailable',
        temporal: { reachable: false },
      });

      const start = await fetch(`${url}/v1/deliveries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'order-1', targets: ['inventory'], payload: {} }),
        signal: AbortSignal.timeout(30_000),
      });
      expect(start.status).toBe(503);
      expect(start.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await start.json()).toMatchObject({ type: 'urn:tandem:problem:temporal-unavailable' });
    });
  });
});

describe('API keys', () => {
  it('refuses to listen beyond loopback with no API key, and lets requests in on loopback', async () => {
    const system = await startGatewaySystem({ apiKeys: [] });
    try {
      const other = await createGateway({
        config: system.config,
        connection: system.connection,
        apiKeys: [],
      });
      await expect(other.listen({ host: '0.0.0.0', port: 0 })).rejects.toThrow(GatewaySetupError);
      await other.close();

      const answer = await system.http('GET', '/v1/deliveries?limit=1', { key: null });
      expect(answer.status).toBe(200);
    } finally {
      await system.stop();
    }
  });

  it('accepts the key as X-API-Key too', async () => {
    const system = await startGatewaySystem();
    try {
      const answer = await system.http('GET', '/v1/deliveries?limit=1', {
        key: null,
        headers: { 'x-api-key': API_KEY },
      });
      expect(answer.status).toBe(200);
    } finally {
      await system.stop();
    }
  });
});

describe('tandem gateway', () => {
  async function configFile(name: string, gateway: Record<string, unknown>): Promise<string> {
    const file = path.resolve('test-results', `gateway-${name}-${process.pid}.yaml`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      stringify({
        temporal: { address: inject('temporalAddress'), taskQueue: `gateway-cli-${name}` },
        targets: { inventory: { request: { url: 'http://127.0.0.1:9/x' } } },
        gateway,
      }),
    );
    return file;
  }

  it('serves the API on the configured address until SIGTERM, and says loudly when no key is set', async () => {
    const config = await configFile('serves', { host: '127.0.0.1', port: 0 });
    const tandem = spawnTandem(['gateway'], { TANDEM_CONFIG: config, TANDEM_API_KEYS: '' });

    const stdout = await tandem.waitForOutput('listening on');
    const url = /listening on (http:\/\/\S+)/.exec(stdout)![1]!;
    const health = await fetch(`${url}/healthz`);
    const list = await fetch(`${url}/v1/deliveries?limit=1`);
    tandem.child.kill('SIGTERM');
    const { code, stderr } = await tandem.exited;

    expect(health.status).toBe(200);
    expect(list.status).toBe(200);
    expect(stderr).toContain('WARNING: no API key is configured');
    expect(code).toBe(0);
  });

  it('refuses to listen beyond loopback without an API key, starting nothing', async () => {
    const config = await configFile('open', { host: '0.0.0.0', port: 0 });
    const tandem = spawnTandem(['gateway'], { TANDEM_CONFIG: config, TANDEM_API_KEYS: '' });

    const { code, stdout, stderr } = await tandem.exited;

    expect(code).not.toBe(0);
    expect(stderr).toMatch(/^tandem: .*no API key.*TANDEM_API_KEYS/m);
    expect(stdout).not.toContain('listening on');
  });
});
