import { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { STATE_MEMO, workflowIdFor } from '../../src/contract/contracts';
import { answer, rejected, transient } from '../support/mock-activities';
import { leg, workflowWorld } from '../support/workflow-world';

describe('the delivery workflow, with its activities mocked', () => {
  const { start } = workflowWorld();

  it('reports each leg’s status, attempts, last error, last HTTP status and timings while running', async () => {
    const { client, mocks, deliver, until } = await start({ a: {}, b: {} });
    const held = mocks.gate();
    mocks.script('deliver', 'a', transient(503, 1000), held.step);
    const id = await deliver(['a', 'b']);

    const waiting = await until(
      id,
      (s) => leg(s, 'a').attempts === 1 && leg(s, 'a').status === 'pending',
    );
    expect(waiting.status).toBe('running');
    expect(leg(waiting, 'a')).toMatchObject({
      lastError: 'a (attempt 1) answered 503',
      lastHttpStatus: 503,
      outcomeUnknown: false,
    });
    expect(leg(waiting, 'a').startedAt).toBeDefined();
    expect(leg(waiting, 'a').finishedAt).toBeUndefined();

    const inFlight = await until(id, (s) => leg(s, 'a').status === 'in_flight');
    expect(inFlight.status).toBe('running');
    expect(leg(inFlight, 'a')).toMatchObject({
      attempts: 2,
      lastError: 'a (attempt 1) answered 503',
    });
    expect(leg(inFlight, 'b')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      lastHttpStatus: 201,
    });
    expect(leg(inFlight, 'b').finishedAt).toBeDefined();
    expect(inFlight.finishedAt).toBeUndefined();

    held.open(answer(200));
    const state = await client.result(id);

    expect(state.status).toBe('completed');
    const a = leg(state, 'a');
    expect(a).toMatchObject({ status: 'succeeded', attempts: 2, lastHttpStatus: 200 });
    expect(a.lastError).toBeUndefined();
    expect(Date.parse(a.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(a.startedAt!) + 1000);
    expect(Date.parse(state.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt!));
  });

  it('reports a compensation in flight as compensating, with its own attempts and timings', async () => {
    const { client, mocks, deliver, until } = await start({ a: {}, b: {} });
    const held = mocks.gate();
    mocks.script('deliver', 'b', rejected(400));
    mocks.script('compensate', 'a', transient(502), held.step);
    const id = await deliver(['a', 'b']);

    const undoing = await until(
      id,
      (s) => leg(s, 'a').status === 'compensating' && leg(s, 'a').compensation?.attempts === 2,
    );

    expect(undoing.status).toBe('running');
    const a = leg(undoing, 'a');
    expect(a).toMatchObject({ attempts: 1, lastHttpStatus: 201 });
    expect(a.compensation).toMatchObject({
      lastError: 'a compensation (attempt 1) answered 502',
      lastHttpStatus: 502,
    });
    expect(a.compensation?.startedAt).toBeDefined();
    expect(a.compensation?.finishedAt).toBeUndefined();
    held.open(answer(204));
    const state = await client.result(id);
    expect(leg(state, 'a').compensation).toMatchObject({ attempts: 2, lastHttpStatus: 204 });
    expect(leg(state, 'a').compensation?.finishedAt).toBeDefined();
  });

  it('keeps its current state in the memo, where describe reads it with no worker', async () => {
    const { client, mocks, deliver, until, memo } = await start({ a: {}, b: {} });
    const held = mocks.gate();
    mocks.script('deliver', 'a', transient(503), held.step);
    const id = await deliver(['a', 'b']);

    const inFlight = await until(
      id,
      (s) =>
        leg(s, 'a').attempts === 2 &&
        leg(s, 'a').status === 'in_flight' &&
        leg(s, 'b').status === 'succeeded',
    );
    expect(await memo(id)).toEqual(inFlight);
    held.open(answer(201));
    const state = await client.result(id);
    expect(await memo(id)).toEqual(state);
  });

  it('upserts the memo at most once per workflow task, and only when the state changed', async () => {
    const { client, mocks, deliver, connection } = await start({ a: {}, b: {}, c: {} });
    mocks.script('deliver', 'a', transient(503), transient(503), answer(201));
    const id = await deliver(['a', 'b', 'c']);
    await client.result(id);

    const { events } = await new Client({ connection }).workflow
      .getHandle(workflowIdFor(id))
      .fetchHistory();
    const memos: string[] = [];
    let inTask = 0;
    for (const event of events ?? []) {
      if (event.workflowTaskCompletedEventAttributes) inTask = 0;
      const upsert = event.workflowPropertiesModifiedEventAttributes;
      if (!upsert) continue;
      inTask += 1;
      expect(inTask).toBe(1);
      const payload = upsert.upsertedMemo?.fields?.[STATE_MEMO];
      memos.push(Buffer.from(payload!.data!).toString('utf8'));
    }
    // Start (all in flight), a's two failures and retries, b and c done, a done: each a change.
    expect(memos.length).toBeGreaterThanOrEqual(3);
    expect(memos.length).toBeLessThanOrEqual(10);
    memos.slice(1).forEach((memo, i) => expect(memo).not.toBe(memos[i]));
  });
});
