import { afterEach, describe, expect, it } from 'vitest';
import { recordHistory } from '../support/history';
import { startSystem, type System } from '../support/system';

const both = ['inventory', 'shipping'];

describe('when a delivery cannot complete', () => {
  let system: System;
  afterEach(async () => {
    await system.stop();
  });

  it.each([
    ['after', { latencyMs: 0 }, { latencyMs: 800 }],
    ['before', { latencyMs: 800 }, { latencyMs: 0 }],
  ])(
    'undoes inventory once when shipping rejects the order %s inventory answers',
    async (when, inventoryFault, shippingDelay) => {
      system = await startSystem();
      const { client, targets } = system;
      targets.setFault('inventory', 'create', inventoryFault);
      targets.setFault('shipping', 'create', {
        status: 422,
        body: { error: 'unknown address' },
        ...shippingDelay,
      });
      const id = system.newId();

      await client.start({ id, targets: both, payload: { sku: 'A-1' } });
      const state = await client.result(id);
      await recordHistory(system.connection, id, `rejected-${when}-compensated`);

      expect(state.status).toBe('compensated');
      expect(state.reason).toMatch(/shipping failed: .*422.*unknown address.*undone: inventory/);
      expect(state.legs.map((l) => [l.target, l.status])).toEqual([
        ['inventory', 'compensated'],
        ['shipping', 'failed'],
      ]);
      const undos = targets.received('inventory', 'undo');
      expect(undos).toHaveLength(1);
      // The undo named the reservation from inventory's answer: it is gone, not 404'd.
      expect(undos[0]).toMatchObject({ path: '/inventory/reservations/res_1', status: 204 });
      expect(undos[0]!.headers['idempotency-key']).toBe(`${id}:inventory:compensate`);
      expect(targets.live('inventory')).toEqual([]);
      // The rejecting target got one request, and no compensation.
      expect(targets.received('shipping', 'create')).toHaveLength(1);
      expect(targets.received('shipping', 'undo')).toHaveLength(0);
      // The case is what its name says: shipping's rejection came before or after inventory's answer.
      const inventoryAnswered = targets.received('inventory', 'create')[0]!.answeredAt!;
      const shippingAnswered = targets.received('shipping', 'create')[0]!.answeredAt!;
      if (when === 'before') expect(shippingAnswered).toBeLessThan(inventoryAnswered);
      else expect(inventoryAnswered).toBeLessThan(shippingAnswered);
    },
  );

  it('stops retrying the other leg when one fails for good', async () => {
    // Both legs retry without limit, so only shipping's refusal can end the delivery; shipping
    // retries often and inventory seldom, so the refusal lands well before inventory's next try.
    system = await startSystem((doc) => {
      Object.assign(doc.targets.inventory.retry, { maximumAttempts: 0, initialInterval: '1s' });
      Object.assign(doc.targets.shipping.retry, { maximumAttempts: 0, maximumInterval: '200ms' });
    });
    const { client, targets } = system;
    targets.setFault('inventory', 'create', { status: 503 });
    targets.setFault('shipping', 'create', { status: 503 });
    const id = system.newId();

    await client.start({ id, targets: both, payload: {} });
    // Shipping refuses for good only once inventory is retrying.
    await targets.waitFor((r) => r.api === 'inventory' && r.operation === 'create', { count: 2 });
    targets.setFault('shipping', 'create', { status: 400 });
    const state = await client.result(id);
    await recordHistory(system.connection, id, 'stopped-while-retrying');

    expect(state.status).toBe('compensated');
    const inventory = state.legs[0]!;
    expect(inventory).toMatchObject({ status: 'cancelled', lastHttpStatus: 503 });
    expect(inventory.attempts).toBeGreaterThan(1);
    const attempts = targets.received('inventory', 'create');
    expect(attempts).toHaveLength(inventory.attempts);
    const refusal = targets.received('shipping', 'create').find((r) => r.status === 400)!;
    const shippingAnswered = refusal.answeredAt!;
    expect(attempts.every((a) => a.at < shippingAnswered)).toBe(true);
    // Rejected on every attempt: nothing to undo.
    expect(targets.received('inventory', 'undo')).toHaveLength(0);
  });

  it('lets an attempt already on the wire finish, then undoes it if it succeeded', async () => {
    system = await startSystem();
    const { client, targets } = system;
    targets.setFault('inventory', 'create', { status: 503, times: 1 });
    targets.setFault('shipping', 'create', { status: 422, latencyMs: 3000 });
    const id = system.newId();

    await client.start({ id, targets: both, payload: {} });
    // Inventory's second attempt is slow; shipping fails while it is in flight.
    await targets.waitFor((r) => r.api === 'inventory' && r.outcome === 'faulted');
    targets.setFault('inventory', 'create', { latencyMs: 4000 });
    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.legs[0]).toMatchObject({ status: 'compensated', attempts: 2 });
    const attempts = targets.received('inventory', 'create');
    expect(attempts.map((a) => a.status)).toEqual([503, 201]);
    expect(targets.received('inventory', 'undo')).toHaveLength(1);
    expect(targets.live('inventory')).toEqual([]);
  });

  it('parks as needs_attention when a leg that may have acted cannot be undone without its answer', async () => {
    system = await startSystem((doc) => {
      doc.targets.inventory.request.timeout = '1s';
    });
    const { client, targets } = system;
    // Inventory acts, but its answer never comes; shipping rejects meanwhile.
    targets.setFault('inventory', 'create', { hang: true, times: 1 });
    targets.setFault('shipping', 'create', { status: 422 });
    const id = system.newId();

    await client.start({ id, targets: both, payload: {} });
    const parked = await client.waitFor(id, ['needs_attention']);

    expect(parked.reason).toMatch(/inventory: outcome unknown/);
    expect(parked.legs[0]).toMatchObject({ outcomeUnknown: true, attempts: 1 });
    expect(targets.live('inventory')).toHaveLength(1);

    // Retry re-sends with the same Idempotency-Key: the target answers as before, so the
    // reservation id is learnt and the reservation undone.
    await client.retry(id);
    const state = await client.result(id);
    await recordHistory(system.connection, id, 'outcome-unknown-retried');

    expect(state.status).toBe('compensated');
    expect(state.legs[0]).toMatchObject({ status: 'compensated', outcomeUnknown: false });
    expect(targets.live('inventory')).toEqual([]);
    const sends = targets.received('inventory', 'create');
    expect(new Set(sends.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  });

  it('undoes the succeeded legs of a cancelled delivery and ends cancelled', async () => {
    system = await startSystem();
    const { client, targets } = system;
    targets.setFault('shipping', 'create', { status: 503 });
    const id = system.newId();

    await client.start({ id, targets: both, payload: {} });
    await targets.waitFor((r) => r.api === 'shipping', { count: 2 });
    await client.cancel(id);
    const state = await client.result(id);
    await recordHistory(system.connection, id, 'cancelled');

    expect(state.status).toBe('cancelled');
    expect(state.legs.map((l) => [l.target, l.status])).toEqual([
      ['inventory', 'compensated'],
      ['shipping', 'cancelled'],
    ]);
    expect(targets.live('inventory')).toEqual([]);
    expect(targets.received('shipping', 'undo')).toHaveLength(0);
  });

  it('parks when a compensation keeps failing, and an operator retry finishes it', async () => {
    system = await startSystem((doc) => {
      doc.targets.inventory.compensate.retry.maximumAttempts = 2;
    });
    const { client, targets } = system;
    targets.setFault('shipping', 'create', { status: 422 });
    targets.setFault('inventory', 'undo', { status: 500 });
    const id = system.newId();

    await client.start({ id, targets: both, payload: {} });
    const parked = await client.waitFor(id, ['needs_attention']);

    expect(parked.reason).toMatch(/inventory compensation failed: gave up after 2 attempts/);
    expect(parked.legs[0]).toMatchObject({
      status: 'compensation_failed',
      compensation: { attempts: 2, lastHttpStatus: 500 },
    });
    await expect(client.resolve(id, '')).rejects.toThrow(/needs a note/);

    targets.clearFaults();
    await client.retry(id);
    const state = await client.result(id);
    await recordHistory(system.connection, id, 'compensation-failed-retried');

    expect(state.status).toBe('compensated');
    expect(state.legs[0]).toMatchObject({ status: 'compensated', compensation: { attempts: 3 } });
    expect(targets.live('inventory')).toEqual([]);
  });

  it('closes a parked delivery when an operator resolves it with a note', async () => {
    system = await startSystem((doc) => {
      doc.targets.inventory.compensate.retry.maximumAttempts = 1;
    });
    const { client, targets } = system;
    targets.setFault('shipping', 'create', { status: 422 });
    targets.setFault('inventory', 'undo', { status: 500 });
    const id = system.newId();

    await client.start({ id, targets: both, payload: {} });
    await client.waitFor(id, ['needs_attention']);
    await client.resolve(id, 'released reservation by hand');
    const state = await client.result(id);
    await recordHistory(system.connection, id, 'resolved');

    expect(state).toMatchObject({ status: 'resolved', note: 'released reservation by hand' });
    await expect(client.retry(id)).rejects.toThrow();
  });

  it('refuses retry and resolve on a delivery that is not parked', async () => {
    // Shipping's answers are lost until the fault is cleared, and its attempts are retried
    // without limit: the delivery stays running while both are refused, however slow the machine.
    system = await startSystem((doc) => {
      doc.targets.shipping.request.timeout = '1s';
      doc.targets.shipping.retry.maximumAttempts = 0;
    });
    const { client, targets } = system;
    targets.setFault('shipping', 'create', { hang: true });
    const id = system.newId();

    await client.start({ id, targets: both, payload: {} });
    await expect(client.retry(id)).rejects.toThrow(/is running, not needs_attention/);
    await expect(client.resolve(id, 'x')).rejects.toThrow(/is running, not needs_attention/);
    targets.clearFaults();
    expect((await client.result(id)).status).toBe('completed');
  });
});
