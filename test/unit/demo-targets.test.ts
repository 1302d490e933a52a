import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoApis } from '../../src/demo/apis';
import type { ReceivedRequest } from '../../src/demo/request-log';
import { startDemoTargets, type DemoTargets } from '../../src/demo/targets';

let targets: DemoTargets;

beforeEach(async () => {
  targets = await startDemoTargets({ port: 0 });
});

afterEach(async () => {
  await targets.stop();
});

function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${targets.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal && { signal }),
  });
}

function del(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${targets.url}${path}`, { method: 'DELETE', headers });
}

const reservations = demoApis.inventory.path;
const shipments = demoApis.shipping.path;
const isInventoryCreate = (r: ReceivedRequest): boolean =>
  r.api === 'inventory' && r.operation === 'create';

describe('demo targets', () => {
  it('creates and deletes reservations and shipments, and answers 404 for unknown ids', async () => {
    const created = await post(reservations, { sku: 'A-1', quantity: 2 });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: 'res_1', sku: 'A-1', quantity: 2 });

    const shipment = await post(shipments, { address: 'Quay 1' });
    expect(shipment.status).toBe(201);
    expect(await shipment.json()).toEqual({ id: 'shp_1', address: 'Quay 1' });
    expect(targets.live('inventory')).toEqual(['res_1']);
    expect(targets.live('shipping')).toEqual(['shp_1']);

    expect((await del(`${reservations}/res_1`)).status).toBe(204);
    expect(targets.live('inventory')).toEqual([]);
    const again = await del(`${reservations}/res_1`);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: expect.stringContaining('res_1') as unknown });
    expect((await del(`${shipments}/shp_9`)).status).toBe(404);
    expect(targets.live('shipping')).toEqual(['shp_1']);
  });

  it('keeps its own id when the payload carries an id', async () => {
    const created = await post(reservations, { id: 'order-7' });
    expect(await created.json()).toEqual({ id: 'res_1' });
  });

  it('answers 404 JSON for an unknown route and 400 for a malformed or non-object body', async () => {
    const unknown = await fetch(`${targets.url}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/json');
    expect(await unknown.json()).toEqual({ error: 'no route for GET /nowhere' });

    const malformed = await fetch(`${targets.url}${reservations}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"sku":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: expect.stringContaining('malformed JSON body') as unknown,
    });
    expect((await post(reservations, [1, 2])).status).toBe(400);
    expect(targets.live('inventory')).toEqual([]);
    expect(targets.received().map((r) => [r.path, r.outcome, r.status])).toEqual([
      ['/nowhere', 'rejected', 404],
      [reservations, 'rejected', 400],
      [reservations, 'rejected', 400],
    ]);
    expect(targets.received('inventory')[0]?.body).toBe('{"sku":');
  });

  it('replays the stored answer for a repeated Idempotency-Key without acting twice', async () => {
    const key = { 'Idempotency-Key': 'order-1:inventory' };
    const first = await post(reservations, { sku: 'A' }, key);
    const second = await post(reservations, { sku: 'A' }, key);

    expect(second.status).toBe(first.status);
    expect(await second.json()).toEqual(await first.json());
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(targets.live('inventory')).toEqual(['res_1']);
    expect(targets.received('inventory', 'create').map((r) => r.outcome)).toEqual([
      'processed',
      'replayed',
    ]);

    // Keys are scoped per API and operation, and requests without a key are never deduplicated.
    expect((await post(shipments, {}, { 'Idempotency-Key': 'order-1:inventory' })).status).toBe(
      201,
    );
    expect((await post(reservations, { sku: 'A' })).status).toBe(201);
    expect(targets.live('inventory')).toEqual(['res_1', 'res_2']);
  });

  it('replays the 404 of a repeated undo with the same status and body', async () => {
    const key = { 'Idempotency-Key': 'order-1:inventory:compensate' };
    await post(reservations, {});
    expect((await del(`${reservations}/res_1`, key)).status).toBe(204);
    const replay = await del(`${reservations}/res_1`, key);
    expect(replay.status).toBe(204);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await del(`${reservations}/res_1`)).status).toBe(404);
  });

  it('makes a request with a pending Idempotency-Key wait for the first and share its answer', async () => {
    targets.setFault('inventory', 'create', { latencyMs: 500, times: 1 });
    const key = { 'Idempotency-Key': 'order-2:inventory' };
    const first = post(reservations, { sku: 'B' }, key);
    await targets.waitFor((r) => isInventoryCreate(r) && r.outcome === 'processed');
    const second = post(reservations, { sku: 'B' }, key);

    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(201);
    expect(await b.json()).toEqual(await a.json());
    expect(targets.live('inventory')).toEqual(['res_1']);
    const [firstSeen, secondSeen] = targets.received('inventory', 'create');
    expect(secondSeen?.at).toBeLessThan(firstSeen?.answeredAt ?? 0);
    expect(secondSeen?.answeredAt).toBeGreaterThanOrEqual(firstSeen?.answeredAt ?? Infinity);
    expect(secondSeen?.outcome).toBe('replayed');
  });

  it('fails the next N creates with the injected status then recovers', async () => {
    targets.setFault('inventory', 'create', { status: 503, times: 2 });
    const key = { 'Idempotency-Key': 'order-3:inventory' };

    const statuses = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      statuses.push((await post(reservations, { sku: 'C' }, key)).status);
    }

    // Faulted answers are not stored: the third attempt with the same key is processed.
    expect(statuses).toEqual([503, 503, 201]);
    expect(targets.live('inventory')).toEqual(['res_1']);
    expect(targets.received('inventory').map((r) => r.outcome)).toEqual([
      'faulted',
      'faulted',
      'processed',
    ]);
  });

  it('answers with Retry-After and the given body when told to', async () => {
    targets.setFault('shipping', 'create', {
      status: 429,
      retryAfter: '2',
      body: { error: 'slow down' },
    });
    const answer = await post(shipments, {});

    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(await answer.json()).toEqual({ error: 'slow down' });
    expect(targets.live('shipping')).toEqual([]);
  });

  it('applies a fault to one API and operation only', async () => {
    targets.setFault('inventory', 'undo', { status: 500 });
    expect((await post(reservations, {})).status).toBe(201);
    expect((await post(shipments, {})).status).toBe(201);
    const undo = await del(`${reservations}/res_1`);
    expect(undo.status).toBe(500);
    expect(await undo.json()).toEqual({ error: 'injected fault', status: 500 });
    expect((await del(`${shipments}/shp_1`)).status).toBe(204);

    targets.clearFaults();
    expect((await del(`${reservations}/res_1`)).status).toBe(204);
  });

  it('acts before answering late', async () => {
    targets.setFault('inventory', 'create', { latencyMs: 200 });
    const answer = post(reservations, { sku: 'D' });

    const [pending] = await targets.waitFor(
      (r) => isInventoryCreate(r) && r.outcome === 'processed',
    );
    expect(pending?.answeredAt).toBeUndefined();
    expect(targets.live('inventory')).toEqual(['res_1']);

    expect((await answer).status).toBe(201);
    const [answered] = targets.received('inventory', 'create');
    expect((answered?.answeredAt ?? 0) - (answered?.at ?? 0)).toBeGreaterThanOrEqual(200);
  });

  it('lets a retry replay the answer of a request whose client gave up during a hang', async () => {
    targets.setFault('inventory', 'create', { hang: true, times: 1 });
    const key = { 'Idempotency-Key': 'order-4:inventory' };
    const client = new AbortController();
    const lost = post(reservations, { sku: 'E' }, key, client.signal);
    await targets.waitFor((r) => isInventoryCreate(r) && r.outcome === 'processed');
    client.abort();
    await expect(lost).rejects.toThrow();

    const retry = await post(reservations, { sku: 'E' }, key);
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual({ id: 'res_1', sku: 'E' });
    expect(targets.live('inventory')).toEqual(['res_1']);
    expect(targets.received('inventory').map((r) => r.status)).toEqual([undefined, 201]);
  });

  it('stop() ends hanging requests', async () => {
    targets.setFault('shipping', 'create', { hang: true, status: 503 });
    const hanging = post(shipments, {});
    await targets.waitFor((r) => r.api === 'shipping');

    await targets.stop();
    await expect(hanging).rejects.toThrow();
    expect(targets.live('shipping')).toEqual([]);
  });

  it('sets, lists and clears faults over HTTP', async () => {
    const put = (path: string, body: string): Promise<Response> =>
      fetch(`${targets.url}${path}`, { method: 'PUT', body });

    const set = await put('/_faults/inventory/create', JSON.stringify({ status: 502, times: 1 }));
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({
      api: 'inventory',
      operation: 'create',
      fault: { status: 502, times: 1 },
      remaining: 1,
    });
    const listed = await fetch(`${targets.url}/_faults`);
    expect(await listed.json()).toHaveLength(1);
    expect((await post(reservations, {})).status).toBe(502);
    expect((await post(reservations, {})).status).toBe(201);

    await put('/_faults/inventory/create', JSON.stringify({ status: 500 }));
    expect((await fetch(`${targets.url}/_faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await post(reservations, {})).status).toBe(201);

    expect((await put('/_faults/billing/create', '{}')).status).toBe(404);
    expect((await put('/_faults/inventory/create', '{"status":')).status).toBe(400);
    const invalid = await put('/_faults/inventory/create', JSON.stringify({ retryAfter: '1' }));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({
      error: expect.stringMatching(
        /^invalid fault for inventory create: .*only sent with a status/s,
      ) as unknown,
    });
  });

  it('refuses an invalid fault set in process', () => {
    expect(() => targets.setFault('inventory', 'create', { status: 42 })).toThrow(
      /invalid fault for inventory create: .*status/s,
    );
  });

  it('logs requests with lower-cased headers and parsed bodies, also over HTTP', async () => {
    await post(reservations, { sku: 'F' }, { 'Idempotency-Key': 'order-5:inventory' });

    const [entry] = targets.received('inventory', 'create');
    expect(entry).toMatchObject({
      api: 'inventory',
      operation: 'create',
      method: 'POST',
      path: reservations,
      body: { sku: 'F' },
      status: 201,
      outcome: 'processed',
    });
    expect(entry?.headers['idempotency-key']).toBe('order-5:inventory');
    expect(entry?.answeredAt).toBeGreaterThanOrEqual(entry?.at ?? Infinity);

    const served = await fetch(`${targets.url}/_log`);
    expect(await served.json()).toEqual([entry]);
    const live = await fetch(`${targets.url}/_live`);
    expect(await live.json()).toEqual({ inventory: ['res_1'], shipping: [] });
    // Control routes are not logged, so watching does not change what is watched.
    expect(targets.received()).toHaveLength(1);
  });

  it('waits for a number of matching requests', async () => {
    const waiting = targets.waitFor(isInventoryCreate, { count: 2 });
    await post(reservations, {});
    await post(shipments, {});
    await post(reservations, {});

    // It resolves on arrival, so the second match may not be answered yet.
    expect((await waiting).map((r) => r.path)).toEqual([reservations, reservations]);
  });

  it('rejects waitFor with what was received when the condition does not occur in time', async () => {
    await post(shipments, {});
    await expect(targets.waitFor(isInventoryCreate, 50)).rejects.toThrow(
      `Timed out after 50 ms waiting for 1 matching request to the demo targets; received: POST ${shipments} → 201`,
    );
  });
});
