import { Client, type Connection } from '@temporalio/client';
import { afterEach, expect } from 'vitest';
import { workflowIdFor, type DeliveryState, type LegState } from '../../src/contract/contracts';
import { startMockedDeliveries, type MockedDeliveries, type MockTarget } from './mock-workers';

/** The legs of a state as `[target, status]` pairs. */
export const legs = (state: DeliveryState) => state.legs.map((l) => [l.target, l.status]);
export const leg = (state: DeliveryState, target: string): LegState =>
  state.legs.find((l) => l.target === target)!;
export const took = (state: DeliveryState) =>
  Date.parse(state.finishedAt!) - Date.parse(state.startedAt);

/** A retry policy whose first backoff outlasts the test: the leg only moves on when stopped. */
export const WAITS_LONG: MockTarget = {
  retry: { initialInterval: '20s', maximumInterval: '20s', deadline: '1m' },
};

/**
 * Starts the mocked deliveries of one workflow test (`start`) and stops them after it, failing
 * the test on any failed workflow task.
 */
export function workflowWorld() {
  let world: MockedDeliveries | undefined;
  const start = async (targets: Record<string, MockTarget>, options?: { unserved?: string[] }) => {
    world = await startMockedDeliveries(targets, options);
    return world;
  };
  afterEach(async () => {
    const failedTasks = await world?.stop();
    world = undefined;
    // With no workflow cache every task replays the whole history: a replay that does not match
    // (or any other failed workflow task) is recorded in the history.
    expect(failedTasks ?? []).toEqual([]);
  });
  return { start };
}

/** Waits until the run has handled a cancel request: a workflow task completed after it. */
export async function cancelSeen(connection: Connection, id: string): Promise<void> {
  const handle = new Client({ connection }).workflow.getHandle(workflowIdFor(id));
  for (let tries = 0; tries < 300; tries++) {
    const { events } = await handle.fetchHistory();
    const list = events ?? [];
    const asked = list.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
    if (asked >= 0 && list.slice(asked).some((e) => e.workflowTaskCompletedEventAttributes)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Delivery "${id}" never handled its cancel request.`);
}
