import { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { workflowIdFor, type DeliveryState, type LegState } from '../../src/contract/contracts';
import { MAX_OPERATOR_SIGNALS } from '../../src/contract/limits';
import { answer, transient } from '../support/mock-activities';
import { startMockedDeliveries, type MockedDeliveries } from '../support/mock-workers';
import { stockSignal } from '../support/stock-cli';
import { until } from '../support/wait';

const leg = (state: DeliveryState, target: string): LegState =>
  state.legs.find((l) => l.target === target)!;

/** Waiting out a backoff far longer than the test: the leg only moves on when steered. */
const waitingToRetry = (s: DeliveryState) =>
  leg(s, 'a').status === 'pending' && leg(s, 'a').retryAt !== undefined;

describe('a flood of signals', () => {
  let world: MockedDeliveries | undefined;
  afterEach(async () => {
    const failedTasks = await world?.stop();
    world = undefined;
    expect(failedTasks ?? []).toEqual([]);
  });

  it('parks nothing and terminates nothing: refused signals write nothing, signals past the cap are ignored, and the history budget is the run’s own', async () => {
    world = await startMockedDeliveries({
      a: { retry: { initialInterval: '10m', maximumInterval: '10m', deadline: '1h' } },
    });
    const { client, mocks, deliver, connection } = world;
    mocks.script('deliver', 'a', transient(503), answer(201));
    // A budget the flood alone outgrows many times over.
    const budget = 64 * 1024;
    const id = await deliver(['a'], { order: 1042 }, { historyBudgetBytes: budget });
    await world.until(id, waitingToRetry);
    const handle = new Client({ connection }).workflow.getHandle(workflowIdFor(id));
    const memoBefore = await world.memo(id);

    // Refused signals up to the cap and past it, as any client of Temporal can send them; the
    // stock CLI's among them. Each carries a note of 300 characters.
    const refused = JSON.stringify({ leg: 'nope', note: 'n'.repeat(300), by: 'mallory' });
    const flood = MAX_OPERATOR_SIGNALS + 50;
    for (let sent = 0; sent < flood; sent += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, flood - sent) }, () =>
          handle.signal('pause', JSON.parse(refused)),
        ),
      );
    }
    await stockSignal(id, 'pause', refused);
    await stockSignal(id, 'noSuchSignal', '{}');
    // A valid signal past the cap is ignored too.
    await stockSignal(id, 'retryNow', '{"leg":"a","by":"mallory"}');
    await until(
      async () =>
        (await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata'))
          .currentDetails,
      (details) => details.includes(`retryNow: the run takes at most ${MAX_OPERATOR_SIGNALS}`),
      { timeoutMs: 30_000, message: (details) => `the cap was never shown: ${details}` },
    );

    const run = await handle.describe();
    expect(run.status.name).toBe('RUNNING');
    expect(run.historySize).toBeGreaterThan(3 * budget);
    const waiting = await client.status(id);
    expect(waitingToRetry(waiting)).toBe(true);
    expect(leg(waiting, 'a').attempts).toBe(1);
    expect(waiting.actions).toBeUndefined();
    expect(await world.memo(id)).toEqual(memoBefore);
    const events = (await handle.fetchHistory()).events ?? [];
    const firstSignal = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
    const signals = events.filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals).toHaveLength(flood + 3);
    const writes = events
      .slice(firstSignal)
      .filter(
        (e) =>
          e.workflowPropertiesModifiedEventAttributes ||
          e.upsertWorkflowSearchAttributesEventAttributes ||
          e.markerRecordedEventAttributes,
      );
    expect(writes).toEqual([]);

    // Updates still steer it, and its next attempt is not stopped by the signals' history.
    await client.steer(id, 'retryNow', { leg: 'a' });
    const state = await client.result(id);
    expect(state.status).toBe('completed');
    expect(leg(state, 'a').attempts).toBe(2);
    expect(mocks.inputs('compensate', 'a')).toHaveLength(0);
  });
});
