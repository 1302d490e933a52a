import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/contract/contracts';
import { DeliveryConflictError } from '../../src/contract/errors';
import { historyText, recordHistory } from '../support/history';
import { INVENTORY_TOKEN, startSystem, type System } from '../support/system';

describe('a delivery to two APIs', () => {
  let system: System;
  beforeEach(async () => {
    system = await startSystem();
  });
  afterEach(async () => {
    await system.stop();
  });

  it('completes when both targets accept, sending both requests at the same time', async () => {
    const { client, targets } = system;
    targets.setFault('inventory', 'create', { latencyMs: 2000 });
    targets.setFault('shipping', 'create', { latencyMs: 2000 });
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1', qty: 2 } });
    const state = await client.result(id);
    await recordHistory(system.connection, id, 'completed');

    expect(state.status).toBe('completed');
    expect(state.legs.map((l) => [l.target, l.status, l.attempts, l.lastHttpStatus])).toEqual([
      ['inventory', 'succeeded', 1, 201],
      ['shipping', 'succeeded', 1, 201],
    ]);
    const [inventory] = targets.received('inventory', 'create');
    const [shipping] = targets.received('shipping', 'create');
    // Each request was still unanswered when the other arrived: they overlapped, so the
    // delivery took about the slower leg, not the sum.
    expect(shipping!.at).toBeLessThan(inventory!.answeredAt!);
    expect(inventory!.at).toBeLessThan(shipping!.answeredAt!);
  });

  it('writes its memo and search attributes once, at the end, when every leg succeeds at once', async () => {
    const { EventType } = temporal.api.enums.v1;
    const id = system.newId();

    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
    expect((await system.client.result(id)).status).toBe('completed');

    const history = await new Client({ connection: system.connection }).workflow
      .getHandle(workflowIdFor(id))
      .fetchHistory();
    const events = history.events ?? [];
    const tasks = /^EVENT_TYPE_(WORKFLOW|ACTIVITY)_TASK_/;
    const others = events
      .map((event) => EventType[event.eventType!])
      .filter((type) => !tasks.test(type));
    expect(others).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
      'EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
    ]);
    // The first task, and one task per answer at most (the two answers may share one).
    expect(events.length).toBeLessThanOrEqual(19);
  });

  it('sends the payload as JSON with the contract headers', async () => {
    const { client, targets } = system;
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1', qty: 2 } });
    await client.result(id);

    const [request] = targets.received('inventory', 'create');
    expect(request!.body).toEqual({ sku: 'A-1', qty: 2 });
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': `${id}:inventory`,
      'x-tandem-delivery': id,
      'x-tandem-attempt': '1',
      authorization: `Bearer ${INVENTORY_TOKEN}`,
    });
    expect(targets.received('shipping', 'create')[0]!.headers['idempotency-key']).toBe(
      `${id}:shipping`,
    );
  });

  it('retries 503 answers and completes on the fourth attempt with the same Idempotency-Key', async () => {
    const { client, targets } = system;
    targets.setFault('inventory', 'create', { status: 503, times: 3 });
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: { n: 1 } });
    const state = await client.result(id);
    await recordHistory(system.connection, id, 'retried-then-completed');

    expect(state.status).toBe('completed');
    expect(state.legs[0]).toMatchObject({ target: 'inventory', status: 'succeeded', attempts: 4 });
    const attempts = targets.received('inventory', 'create');
    expect(attempts.map((r) => r.status)).toEqual([503, 503, 503, 201]);
    expect(attempts.map((r) => r.headers['x-tandem-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(new Set(attempts.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set([`${id}:inventory`]),
    );
    expect(targets.live('inventory')).toHaveLength(1);
  });

  it('waits out a Retry-After before the next attempt', async () => {
    const { client, targets } = system;
    targets.setFault('shipping', 'create', { status: 429, times: 1, retryAfter: '2' });
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
    const state = await client.result(id);

    expect(state.status).toBe('completed');
    const [first, second] = targets.received('shipping', 'create');
    // The policy alone would retry after 200 ms; the target asked for 2 s.
    expect(second!.at - first!.answeredAt!).toBeGreaterThanOrEqual(2000);
  });

  it('runs and sends once when the same delivery is started twice', async () => {
    const { client, targets } = system;
    const id = system.newId();
    const request = { id, targets: ['inventory', 'shipping'], payload: { n: 1 } };

    const first = await client.start(request);
    const second = await client.start(request);
    await client.result(id);
    const third = await client.start(request);

    // A run started by the third start would be the latest, and running: the sends below could
    // not have counted it yet.
    expect((await client.status(id)).status).toBe('completed');
    expect([first.started, second.started, third.started]).toEqual([true, false, false]);
    expect(targets.received('inventory', 'create')).toHaveLength(1);
    expect(targets.received('shipping', 'create')).toHaveLength(1);
  });

  it('refuses the same id with another payload as a conflict, and sends nothing more', async () => {
    const { client, targets } = system;
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: { qty: 1 } });
    await expect(
      client.start({ id, targets: ['inventory', 'shipping'], payload: { qty: 2 } }),
    ).rejects.toThrow(DeliveryConflictError);
    // Key order and target order do not make a different request.
    await expect(
      client.start({ id, targets: ['shipping', 'inventory'], payload: { qty: 1 } }),
    ).resolves.toMatchObject({ started: false });
    await client.result(id);
    expect(targets.received('inventory', 'create')).toHaveLength(1);
  });

  it('keeps header secrets out of the workflow history', async () => {
    const { client, targets, connection } = system;
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: { note: 'visible' } });
    await client.result(id);

    expect(targets.received('inventory', 'create')[0]!.headers.authorization).toContain(
      INVENTORY_TOKEN,
    );
    const history = await historyText(connection, id);
    expect(history).toContain('visible'); // payloads are decoded, so absence means something
    expect(history).not.toContain(INVENTORY_TOKEN);
  });
});

describe('bulkheads', () => {
  it("keep a target whose slots are all taken from holding up another target's legs", async () => {
    const system = await startSystem(() => undefined, { workers: false });
    try {
      const { client, targets } = system;
      await system.startWorkers({}, 1);
      targets.setFault('inventory', 'create', { latencyMs: 3000 });
      const first = system.newId();
      const second = system.newId();

      await client.start({ id: first, targets: ['inventory', 'shipping'], payload: {} });
      await targets.waitFor((r) => r.api === 'inventory');
      await client.start({ id: second, targets: ['inventory', 'shipping'], payload: {} });
      // The second delivery's shipping leg goes out while inventory's only slot is still busy.
      const [shipping] = await targets.waitFor(
        (r) => r.api === 'shipping' && r.headers['x-tandem-delivery'] === second,
      );
      const [busy] = targets.received('inventory', 'create');
      expect(busy!.answeredAt === undefined || shipping!.at < busy!.answeredAt).toBe(true);
      expect(targets.received('inventory', 'create')).toHaveLength(1);

      expect((await client.result(second)).status).toBe('completed');
      expect((await client.result(first)).status).toBe('completed');
    } finally {
      await system.stop();
    }
  });
});
