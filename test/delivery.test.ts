import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSystem, type System } from './support/system';

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
    targets.setFault('inventory', 'create', { latencyMs: 1500 });
    targets.setFault('shipping', 'create', { latencyMs: 1500 });
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1', qty: 2 } });
    const state = await client.result(id);

    expect(state.status).toBe('completed');
    expect(state.legs.map((l) => [l.target, l.status, l.attempts])).toEqual([
      ['inventory', 'succeeded', 1],
      ['shipping', 'succeeded', 1],
    ]);
    const [inventory] = targets.received('inventory', 'create');
    const [shipping] = targets.received('shipping', 'create');
    // Each request was still unanswered when the other arrived: they overlapped.
    expect(shipping!.at).toBeLessThan(inventory!.answeredAt!);
    expect(inventory!.at).toBeLessThan(shipping!.answeredAt!);
    expect(inventory!.headers['idempotency-key']).toBe(`${id}:inventory`);
    expect(inventory!.headers['x-tandem-delivery']).toBe(id);
    expect(inventory!.headers['x-tandem-attempt']).toBe('1');
    expect(inventory!.body).toEqual({ sku: 'A-1', qty: 2 });
  });
});
