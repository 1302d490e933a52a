import { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_WORKFLOW, workflowIdFor } from '../../src/contract/contracts';
import { planDelivery } from '../../src/client/plan';
import { recordHistory } from '../support/history';
import { startSystem, type System } from '../support/system';

const both = ['inventory', 'shipping'];

describe("a run's history", () => {
  let system: System;
  afterEach(async () => {
    await system.stop();
  });

  /** Starts a delivery the way the client does, with a lower history budget. */
  async function startWithBudget(id: string, payload: unknown, historyBudgetBytes?: number) {
    const input = planDelivery(system.config, { id, targets: both, payload });
    await new Client({ connection: system.connection }).workflow.start(DELIVERY_WORKFLOW, {
      workflowId: workflowIdFor(id),
      taskQueue: system.config.temporal.taskQueue,
      args: [{ ...input, ...(historyBudgetBytes !== undefined && { historyBudgetBytes }) }],
    });
  }

  const describeRun = (id: string) =>
    new Client({ connection: system.connection }).workflow.getHandle(workflowIdFor(id)).describe();

  it('stops attempting at its budget, before any server limit, and undoes the leg that succeeded', async () => {
    system = await startSystem((doc) => {
      Object.assign(doc.targets.inventory.retry, {
        initialInterval: '20ms',
        maximumInterval: '50ms',
        maximumAttempts: 0,
        deadline: '10m',
      });
    });
    const { client, targets } = system;
    targets.setFault('inventory', 'create', { status: 503 });
    const id = system.newId();
    // The payload (and shipping's answer, which echoes it) take a good part of the budget.
    const budget = 64 * 1024;

    await startWithBudget(id, { blob: 'x'.repeat(20_000) }, budget);
    const state = await client.result(id);
    await recordHistory(system.connection, id, 'history-budget-reached');

    expect(state.status).toBe('compensated');
    expect(state.reason).toMatch(
      /^inventory failed: the run's history budget was reached \(\d+ KiB of 64 KiB\) before attempt \d+; last error: inventory \(attempt \d+\) answered 503.*; undone: shipping$/,
    );
    const inventory = state.legs[0]!;
    expect(inventory.status).toBe('failed');
    // Several attempts fit in the budget: the payload was not stored again with each.
    expect(inventory.attempts).toBeGreaterThan(3);
    expect(targets.received('inventory', 'create')).toHaveLength(inventory.attempts);
    expect(targets.received('shipping', 'undo')).toHaveLength(1);
    expect(targets.live('shipping')).toEqual([]);
    // The run ended itself (it was not terminated by the server), well under the server's limits.
    const run = await describeRun(id);
    expect(run.status.name).toBe('FAILED');
    expect(run.historySize).toBeGreaterThanOrEqual(budget);
    expect(run.historySize).toBeLessThan(2 * budget);
  });

  it('grows by O(1) in the payload size per attempt: the payload is stored once', async () => {
    system = await startSystem((doc) => {
      doc.targets.inventory.retry.initialInterval = '20ms';
      doc.targets.inventory.retry.maximumAttempts = 10;
    });
    const { client, targets } = system;
    /** History bytes of a delivery of `size` bytes whose inventory leg fails `failures` times. */
    const historyBytes = async (size: number, failures: number) => {
      targets.setFault('inventory', 'create', { status: 503, times: failures });
      const id = system.newId();
      await startWithBudget(id, { blob: 'x'.repeat(size) });
      const state = await client.result(id);
      expect(state.legs.map((l) => [l.status, l.attempts])).toEqual([
        ['succeeded', failures + 1],
        ['succeeded', 1],
      ]);
      return (await describeRun(id)).historySize!;
    };
    // What five more attempts cost, for a small and a large payload (the answers that echo the
    // payload are the same in both runs of a size, so they cancel out).
    const small = (await historyBytes(1_000, 6)) - (await historyBytes(1_000, 1));
    const large = (await historyBytes(40_000, 6)) - (await historyBytes(40_000, 1));

    // A copy of the payload per attempt would make the large one cost 5 × 39 KB more.
    expect(Math.abs(large - small)).toBeLessThan(2_000);
    expect(small).toBeLessThan(40_000);
  });
});
