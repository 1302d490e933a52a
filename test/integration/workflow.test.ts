import { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/contract/contracts';
import { answer, noAnswer, rejected, templateError, transient } from '../support/mock-activities';
import { recordHistory } from '../support/history';
import { cancelSeen, leg, legs, WAITS_LONG, workflowWorld } from '../support/workflow-world';

describe('the delivery workflow, with its activities mocked', () => {
  const { start } = workflowWorld();

  it('completes when every target accepts, sending each leg once with the delivery id and no copy of the payload', async () => {
    const { client, mocks, deliver } = await start({ a: {}, b: {}, c: {} });
    const id = await deliver(['a', 'b', 'c'], { sku: 'A-1' });

    const state = await client.result(id);

    expect(state.status).toBe('completed');
    expect(state.reason).toBeUndefined();
    expect(state.legs.map((l) => [l.target, l.status, l.attempts, l.lastHttpStatus])).toEqual([
      ['a', 'succeeded', 1, 201],
      ['b', 'succeeded', 1, 201],
      ['c', 'succeeded', 1, 201],
    ]);
    for (const target of ['a', 'b', 'c']) {
      expect(mocks.inputs('deliver', target)).toEqual([
        // The activity reads the payload from the run's start event: attempts do not carry it.
        { deliveryId: id, target, attempt: 1, timeoutMs: 2000 },
      ]);
    }
    expect(mocks.calls.filter((call) => call.kind === 'compensate')).toEqual([]);
  });

  it('undoes the two legs that succeeded, once each with its own answer, when the third rejects the delivery', async () => {
    const { client, mocks, deliver } = await start({
      a: { compensate: 'needs-answer' },
      b: { compensate: 'needs-answer' },
      c: {},
    });
    mocks.script('deliver', 'a', answer(201, { id: 'res_7' }));
    mocks.script('deliver', 'b', answer(202, { id: 'shp_9' }));
    mocks.script('deliver', 'c', rejected(422, 'unknown address'));
    const id = await deliver(['a', 'b', 'c'], { sku: 'A-1' });

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe(
      'c failed: c (attempt 1) answered 422: unknown address; undone: a, b',
    );
    expect(legs(state)).toEqual([
      ['a', 'compensated'],
      ['b', 'compensated'],
      ['c', 'failed'],
    ]);
    expect(leg(state, 'c')).toMatchObject({
      attempts: 1,
      lastHttpStatus: 422,
      outcomeUnknown: false,
    });
    expect(mocks.inputs('deliver', 'c')).toHaveLength(1);
    const base = { deliveryId: id, attempt: 1, timeoutMs: 2000 };
    expect(mocks.inputs('compensate', 'a')).toEqual([
      {
        ...base,
        target: 'a',
        response: { status: 201, headers: expect.any(Object) as unknown, body: { id: 'res_7' } },
      },
    ]);
    expect(mocks.inputs('compensate', 'b')).toEqual([
      {
        ...base,
        target: 'b',
        response: { status: 202, headers: expect.any(Object) as unknown, body: { id: 'shp_9' } },
      },
    ]);
    // A leg rejected for good did nothing at the target: nothing to undo.
    expect(mocks.inputs('compensate', 'c')).toEqual([]);
    expect(leg(state, 'a').compensation).toMatchObject({ attempts: 1, lastHttpStatus: 204 });
  });

  it('lets an attempt already on the wire finish after another leg fails, then undoes it', async () => {
    const { client, mocks, deliver, until } = await start({ a: {}, b: {} });
    const onTheWire = mocks.gate();
    mocks.script('deliver', 'a', onTheWire.step);
    mocks.script('deliver', 'b', rejected(400));
    const id = await deliver(['a', 'b']);

    const stopping = await until(
      id,
      (s) => leg(s, 'b').status === 'failed' && leg(s, 'a').status === 'in_flight',
    );
    expect(stopping.status).toBe('running');
    onTheWire.open(answer(201, { id: 'late_1' }));
    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(legs(state)).toEqual([
      ['a', 'compensated'],
      ['b', 'failed'],
    ]);
    expect(mocks.inputs('deliver', 'a')).toHaveLength(1);
    expect(mocks.inputs('compensate', 'a')).toHaveLength(1);
  });

  it('stops a leg waiting to retry when another fails for good: no new attempt, nothing to undo', async () => {
    const { client, mocks, deliver } = await start({ a: WAITS_LONG, b: {} });
    mocks.script('deliver', 'a', transient(503));
    mocks.script('deliver', 'b', rejected(409));
    const id = await deliver(['a', 'b']);

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe(
      'b failed: b (attempt 1) answered 409: rejected; nothing needed undoing',
    );
    expect(legs(state)).toEqual([
      ['a', 'cancelled'],
      ['b', 'failed'],
    ]);
    expect(leg(state, 'a')).toMatchObject({
      attempts: 1,
      lastHttpStatus: 503,
      outcomeUnknown: false,
    });
    expect(mocks.calls.filter((call) => call.kind === 'compensate')).toEqual([]);
    // The stop woke the leg from its 20 s backoff: the run ended before that backoff would have.
    const [attempt] = mocks.callsOf('deliver', 'a');
    expect(Date.parse(state.finishedAt!)).toBeLessThan(attempt!.at + 20_000);
  });

  it('undoes a leg whose outcome is unknown, without its answer, when its compensation needs none', async () => {
    const { client, mocks, deliver } = await start({
      a: { ...WAITS_LONG, compensate: 'by-key' },
      b: {},
    });
    mocks.script('deliver', 'a', noAnswer());
    mocks.script('deliver', 'b', rejected(400));
    const id = await deliver(['a', 'b']);

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe('b failed: b (attempt 1) answered 400: rejected; undone: a');
    expect(leg(state, 'a')).toMatchObject({
      status: 'compensated',
      outcomeUnknown: true,
      attempts: 1,
      lastError: 'a (attempt 1) got no answer within 2000ms',
    });
    const [undo, ...more] = mocks.inputs('compensate', 'a');
    expect(more).toEqual([]);
    expect(undo).toMatchObject({ deliveryId: id, target: 'a', attempt: 1 });
    expect(undo).not.toHaveProperty('response');
  });

  it('retries a failing compensation by its own policy until it succeeds', async () => {
    const { client, mocks, deliver } = await start({ a: {}, b: {} });
    mocks.script('deliver', 'b', rejected(400));
    mocks.script('compensate', 'a', transient(503), noAnswer(), answer(404));
    const id = await deliver(['a', 'b']);

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(leg(state, 'a')).toMatchObject({
      status: 'compensated',
      compensation: { attempts: 3, lastHttpStatus: 404 },
    });
    expect(mocks.inputs('compensate', 'a').map((input) => input.attempt)).toEqual([1, 2, 3]);
  });

  it('stops, undoes the legs that succeeded and ends cancelled when an operator cancels', async () => {
    const { client, mocks, deliver, until } = await start({ a: {}, b: WAITS_LONG });
    mocks.script('deliver', 'b', transient(503));
    const id = await deliver(['a', 'b']);
    await until(id, (s) => leg(s, 'a').status === 'succeeded' && leg(s, 'b').status === 'pending');

    await client.cancel(id);
    const state = await client.result(id);

    expect(state.status).toBe('cancelled');
    expect(state.reason).toBe('cancelled by an operator; undone: a');
    expect(legs(state)).toEqual([
      ['a', 'compensated'],
      ['b', 'cancelled'],
    ]);
    expect(mocks.inputs('deliver', 'b')).toHaveLength(1);
    expect(mocks.inputs('compensate', 'a')).toHaveLength(1);
  });

  it('keeps the real failure as the reason, and ends compensated, when a cancel arrives while undoing it', async () => {
    const { client, mocks, deliver, until, connection, memo } = await start({ a: {}, b: {} });
    const undoing = mocks.gate();
    mocks.script('deliver', 'b', rejected(400));
    mocks.script('compensate', 'a', undoing.step);
    const id = await deliver(['a', 'b']);
    await until(id, (s) => leg(s, 'a').status === 'compensating');

    await client.cancel(id);
    await cancelSeen(connection, id);
    undoing.open(answer(204));
    const state = await client.result(id);
    await recordHistory(connection, id, 'cancelled-after-failure');

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe('b failed: b (attempt 1) answered 400: rejected; undone: a');
    expect(await memo(id)).toEqual(state);
  });

  it('stays parked when cancelled while parked, and a retry then ends it compensated for the real failure', async () => {
    const { client, mocks, deliver, connection } = await start({ a: {}, b: {} });
    mocks.script('deliver', 'b', rejected(400));
    mocks.script('compensate', 'a', templateError('response.body.x', 'http://a.invalid/{{x}}'));
    const id = await deliver(['a', 'b']);
    const parked = await client.waitFor(id, ['needs_attention'], { pollMs: 50 });

    // Straight to Temporal, as the stock CLI or UI would: the workflow is what is tested here.
    await new Client({ connection }).workflow.getHandle(workflowIdFor(id)).cancel();
    await cancelSeen(connection, id);
    const still = await client.status(id);
    expect(still.status).toBe('needs_attention');
    expect(still.reason).toBe(parked.reason);

    mocks.script('compensate', 'a', answer(204));
    await client.retry(id);
    const state = await client.result(id);
    await recordHistory(connection, id, 'cancelled-while-parked-retried');

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe('b failed: b (attempt 1) answered 400: rejected; undone: a');
  });
});
