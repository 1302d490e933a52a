import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryStatus } from '../../src/contract/contracts';
import { startSystem, type System } from '../support/system';

const both = ['inventory', 'shipping'];

describe('TandemStatus in Temporal visibility', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem((doc) => {
      doc.targets.inventory.compensate.retry.maximumAttempts = 1;
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  it('finds exactly the deliveries in each status', async () => {
    const { client, targets } = system;
    const ids = {} as Record<DeliveryStatus, string>;
    const start = async (status: DeliveryStatus) => {
      ids[status] = system.newId(status);
      await client.start({ id: ids[status], targets: both, payload: {} });
      return ids[status];
    };

    await client.result(await start('completed'));

    targets.setFault('shipping', 'create', { status: 422, times: 1 });
    await client.result(await start('compensated'));

    targets.setFault('inventory', 'undo', { status: 500 });
    targets.setFault('shipping', 'create', { status: 422, times: 2 });
    await client.waitFor(await start('needs_attention'), ['needs_attention']);
    await client.waitFor(await start('resolved'), ['needs_attention']);
    await client.resolve(ids.resolved, 'undone by hand');
    await client.result(ids.resolved);

    targets.clearFaults();
    targets.setFault('shipping', 'create', { status: 503 });
    await start('cancelled');
    await targets.waitFor((r) => r.api === 'shipping', { count: 2 });
    await client.cancel(ids.cancelled);
    await client.result(ids.cancelled);
    await start('running');

    const ours = new Set(Object.values(ids));
    for (const [status, id] of Object.entries(ids) as [DeliveryStatus, string][]) {
      // Visibility lags the runs a little: wait until the store has caught up.
      await expect
        .poll(
          async () =>
            (await client.list({ status })).filter((d) => ours.has(d.id)).map((d) => d.id),
          { timeout: 15_000, interval: 250 },
        )
        .toEqual([id]);
    }
    const [listed] = (await client.list({ status: 'needs_attention' })).filter((d) =>
      ours.has(d.id),
    );
    expect(listed).toMatchObject({ targets: both, workflowId: `delivery-${ids.needs_attention}` });
    await client.cancel(ids.running);
  });
});
