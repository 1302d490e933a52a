import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINES } from '../../src/client/client-options';
import type { DeliveryState } from '../../src/contract/contracts';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';
import { historyText } from '../support/history';
import { expectProblem, type Accepted } from '../support/problems';

const both = ['inventory', 'shipping'];

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

    const answer = await system.http<Accepted>('POST', '/v1/deliveries', {
      json: { id, targets: both, payload: { sku: 'A-1', qty: 2 } },
    });

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

  it('reads, repeats and lists a finished delivery with no worker running, never waiting for one', async () => {
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
    // Waiting for a worker would last the whole read deadline, then answer 503.
    expect(tookMs).toBeLessThan(DEFAULT_DEADLINES.read);
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
});
