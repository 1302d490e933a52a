import { Client, type Connection } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  STATE_MEMO,
  workflowIdFor,
  type DeliveryState,
  type LegState,
} from '../../src/contract/contracts';
import { DeliveryActionRefusedError } from '../../src/contract/errors';
import {
  answer,
  noAnswer,
  rejected,
  templateError,
  transient,
  workerConfigError,
} from '../support/mock-activities';
import { recordHistory } from '../support/history';
import {
  startMockedDeliveries,
  type MockedDeliveries,
  type MockTarget,
} from '../support/mock-workers';
import { caught } from '../support/wait';

/** The legs of a state as `[target, status]` pairs. */
const legs = (state: DeliveryState) => state.legs.map((l) => [l.target, l.status]);
const leg = (state: DeliveryState, target: string): LegState =>
  state.legs.find((l) => l.target === target)!;
const took = (state: DeliveryState) => Date.parse(state.finishedAt!) - Date.parse(state.startedAt);

/** A retry policy whose first backoff outlasts the test: the leg only moves on when stopped. */
const WAITS_LONG: MockTarget = {
  retry: { initialInterval: '20s', maximumInterval: '20s', deadline: '1m' },
};

describe('the delivery workflow, with its activities mocked', () => {
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
    // The stop woke the leg from its 20 s backoff.
    expect(took(state)).toBeLessThan(10_000);
  });

  it('parks a delivery whose target without compensation succeeded while another failed, refuses retry, and closes it when resolved with a note', async () => {
    const { client, mocks, deliver } = await start({
      ledger: { compensate: 'none' },
      stock: {},
      shipping: {},
    });
    mocks.script('deliver', 'shipping', rejected(422));
    const id = await deliver(['ledger', 'stock', 'shipping']);

    const parked = await client.waitFor(id, ['needs_attention'], { pollMs: 50 });

    expect(parked.reason).toBe('ledger may have acted and declares no compensation');
    expect(legs(parked)).toEqual([
      ['ledger', 'succeeded'],
      ['stock', 'compensated'],
      ['shipping', 'failed'],
    ]);
    const refused = await caught(DeliveryActionRefusedError, () => client.retry(id));
    expect(refused.message).toBe(
      'ledger declares no compensation, so a retry cannot undo it: ' +
        'undo it by hand at the target, then resolve the delivery.',
    );
    await expect(client.retry(id, 'ledger')).rejects.toThrow(
      /undo it by hand at the target, then resolve/,
    );
    expect((await client.status(id)).status).toBe('needs_attention');

    await expect(client.resolve(id, '  ')).rejects.toThrow(/needs a note/);
    await client.resolve(id, 'entry reversed by hand in the ledger');
    const state = await client.result(id);

    expect(state).toMatchObject({
      status: 'resolved',
      note: 'entry reversed by hand in the ledger',
    });
    expect(state.finishedAt).toBeDefined();
    expect(mocks.inputs('compensate', 'stock')).toHaveLength(1);
    expect(mocks.inputs('compensate', 'ledger')).toEqual([]);
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

  it('parks with "outcome unknown" when that compensation needs the answer, and a retry re-sends the leg to learn it, then undoes it', async () => {
    const { client, mocks, deliver } = await start({
      a: { ...WAITS_LONG, compensate: 'needs-answer' },
      b: {},
    });
    mocks.script('deliver', 'a', noAnswer(), answer(200, { id: 'res_3' }));
    mocks.script('deliver', 'b', rejected(400));
    const id = await deliver(['a', 'b']);

    const parked = await client.waitFor(id, ['needs_attention'], { pollMs: 50 });

    expect(parked.reason).toBe(
      'a: outcome unknown (sent, no answer), and its compensation needs the answer',
    );
    expect(leg(parked, 'a')).toMatchObject({
      status: 'cancelled',
      outcomeUnknown: true,
      attempts: 1,
    });
    expect(mocks.inputs('compensate', 'a')).toEqual([]);

    await client.retry(id);
    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(leg(state, 'a')).toMatchObject({
      status: 'compensated',
      outcomeUnknown: false,
      attempts: 2,
    });
    // The same delivery id (hence the same Idempotency-Key), numbered on from the first attempt.
    expect(mocks.inputs('deliver', 'a').map((input) => [input.deliveryId, input.attempt])).toEqual([
      [id, 1],
      [id, 2],
    ]);
    expect(mocks.inputs('compensate', 'a')).toEqual([
      expect.objectContaining({
        response: expect.objectContaining({ body: { id: 'res_3' } }) as unknown,
      }) as unknown,
    ]);
  });

  it('parks when a compensation fails for good on a template error, and a retry after the fix undoes the leg', async () => {
    const { client, mocks, deliver } = await start({ a: { compensate: 'needs-answer' }, b: {} });
    mocks.script('deliver', 'b', rejected(400));
    mocks.script(
      'compensate',
      'a',
      templateError('response.body.reservation', 'http://a.invalid/{{response.body.reservation}}'),
    );
    const id = await deliver(['a', 'b']);

    const parked = await client.waitFor(id, ['needs_attention'], { pollMs: 50 });

    expect(parked.reason).toMatch(
      /^a compensation failed: a: Template ".*" needs response\.body\.reservation, which this leg does not have/,
    );
    expect(leg(parked, 'a')).toMatchObject({
      status: 'compensation_failed',
      compensation: {
        attempts: 1,
        lastError: expect.stringMatching(/response\.body\.reservation/) as unknown,
      },
    });
    // A permanent failure is not retried by the policy: one attempt, then the operator.
    expect(mocks.inputs('compensate', 'a')).toHaveLength(1);

    mocks.script('compensate', 'a', answer(204));
    await client.retry(id);
    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe('b failed: b (attempt 1) answered 400: rejected; undone: a');
    expect(leg(state, 'a')).toMatchObject({
      status: 'compensated',
      compensation: { attempts: 2, lastHttpStatus: 204 },
    });
    expect(mocks.inputs('compensate', 'a').map((input) => input.attempt)).toEqual([1, 2]);
    // The leg itself is not sent again: it had succeeded.
    expect(mocks.inputs('deliver', 'a')).toHaveLength(1);
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

  it('fails a leg at once, without a retry, on a worker config error, and undoes the other', async () => {
    const { client, mocks, deliver } = await start({ a: {}, b: {} });
    mocks.script('deliver', 'a', workerConfigError());
    const id = await deliver(['a', 'b']);

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.reason).toMatch(
      /^a failed: The worker's environment has no API_TOKEN.*; undone: b$/,
    );
    expect(legs(state)).toEqual([
      ['a', 'failed'],
      ['b', 'compensated'],
    ]);
    expect(leg(state, 'a')).toMatchObject({ attempts: 1, outcomeUnknown: false });
    expect(leg(state, 'a').lastHttpStatus).toBeUndefined();
    expect(mocks.inputs('deliver', 'a')).toHaveLength(1);
    expect(mocks.inputs('compensate', 'a')).toEqual([]);
  });

  it('gives up after exactly maximumAttempts attempts, numbered on under the same delivery id', async () => {
    const { client, mocks, deliver } = await start({ a: { retry: { maximumAttempts: 3 } }, b: {} });
    mocks.script('deliver', 'a', transient(503));
    const id = await deliver(['a', 'b']);

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe(
      'a failed: gave up after 3 attempts: a (attempt 3) answered 503; undone: b',
    );
    expect(leg(state, 'a')).toMatchObject({ status: 'failed', attempts: 3, lastHttpStatus: 503 });
    expect(mocks.inputs('deliver', 'a').map((input) => [input.deliveryId, input.attempt])).toEqual([
      [id, 1],
      [id, 2],
      [id, 3],
    ]);
  });

  it('waits at least the Retry-After a target asks for when the deadline allows it', async () => {
    const { client, mocks, deliver } = await start({ a: {} });
    mocks.script('deliver', 'a', transient(429, 800), answer(201));
    const id = await deliver(['a']);

    const state = await client.result(id);

    expect(state.status).toBe('completed');
    const [first, second] = mocks.callsOf('deliver', 'a');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(800);
  });

  it('fails a leg at once when its Retry-After would pass the deadline, naming the deadline', async () => {
    const { client, mocks, deliver } = await start({ a: { retry: { deadline: '5s' } } });
    mocks.script('deliver', 'a', transient(429, 10_000));
    const id = await deliver(['a']);

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe(
      'a failed: the 5s deadline would pass before the next attempt: a (attempt 1) answered 429; ' +
        'nothing needed undoing',
    );
    expect(leg(state, 'a')).toMatchObject({ status: 'failed', attempts: 1, lastHttpStatus: 429 });
    // At once: not at the deadline, nor after Retry-After.
    expect(took(state)).toBeLessThan(4000);
  });

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

  it('fails a leg no worker takes by its deadline, as never sent, with nothing of it to undo', async () => {
    const { client, mocks, deliver } = await start(
      { a: { retry: { deadline: '1s' } }, b: {} },
      { unserved: ['a'] },
    );
    const id = await deliver(['a', 'b']);

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe(
      'a failed: the 1s deadline would pass before the next attempt: ' +
        'no worker took the attempt before the deadline; undone: b',
    );
    expect(leg(state, 'a')).toMatchObject({ status: 'failed', attempts: 1, outcomeUnknown: false });
    expect(mocks.inputs('compensate', 'b')).toHaveLength(1);
  });

  it('retries only the named leg, leaving the others parked until retried', async () => {
    const { client, mocks, deliver, until } = await start({ a: {}, b: {}, c: {} });
    mocks.script('deliver', 'c', rejected(400));
    const refuse = templateError('response.body.id', 'http://x.invalid/{{response.body.id}}');
    mocks.script('compensate', 'a', refuse);
    mocks.script('compensate', 'b', refuse);
    const id = await deliver(['a', 'b', 'c']);
    const parked = await client.waitFor(id, ['needs_attention'], { pollMs: 50 });
    // Listed in the order the compensations failed.
    expect(parked.reason?.split('; ').sort()).toEqual([
      expect.stringMatching(/^a compensation failed: a: Template/),
      expect.stringMatching(/^b compensation failed: b: Template/),
    ]);

    mocks.script('compensate', 'a', answer(204));
    mocks.script('compensate', 'b', answer(204));
    await client.retry(id, 'a');
    const stillParked = await until(
      id,
      (s) => s.status === 'needs_attention' && leg(s, 'a').status === 'compensated',
    );

    expect(stillParked.reason).toMatch(/^b compensation failed: /);
    expect(leg(stillParked, 'b').status).toBe('compensation_failed');
    expect(mocks.inputs('compensate', 'b')).toHaveLength(1);
    await expect(client.retry(id, 'a')).rejects.toThrow(
      /Leg "a" is not waiting for an operator; these are: b\./,
    );

    await expect(client.retry(id, 'nope')).rejects.toThrow(/has no leg "nope"/);

    await client.retry(id);
    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(state.reason).toBe('c failed: c (attempt 1) answered 400: rejected; undone: a, b');
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

  it('fails a leg by its deadline when no worker takes its retry, not a whole deadline later', async () => {
    // Retry-After leaves 6 s of the 8 s deadline for the first attempt to end, so the leg is
    // seen waiting even on a loaded machine.
    const { client, mocks, deliver, stopServing, until } = await start({
      a: { retry: { deadline: '8s' } },
      b: {},
    });
    mocks.script('deliver', 'a', transient(503, 2000));
    const id = await deliver(['a', 'b']);
    // While the leg waits out Retry-After (pending after its first attempt: a worker-free read
    // shows it pending before that too), the target's worker goes away (a deploy, an outage).
    await until(id, (s) => leg(s, 'a').status === 'pending' && leg(s, 'a').attempts === 1);
    await stopServing('a');

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    const a = leg(state, 'a');
    expect(a.status).toBe('failed');
    // On a busy machine the retry timer can fire after the deadline: then no second attempt is
    // scheduled at all. Either way the leg ends by its deadline, with the reason said (in the
    // delivery's reason: a leg's lastError is the last attempt's error, never the deadline's).
    if (a.attempts === 2) {
      expect(a.lastError).toBe('no worker took the attempt before the deadline');
      expect(state.reason).toBe(
        'a failed: the 8s deadline would pass before the next attempt: ' +
          'no worker took the attempt before the deadline; undone: b',
      );
    } else {
      expect(a).toMatchObject({ attempts: 1, lastError: 'a (attempt 1) answered 503' });
      expect(state.reason).toBe(
        'a failed: the 8s deadline passed before the next attempt: a (attempt 1) answered 503; ' +
          'undone: b',
      );
    }
    expect(mocks.inputs('deliver', 'a')).toHaveLength(1);
    // "deadline: the whole leg, all attempts". The second attempt starts 2 s in; waiting a
    // whole deadline for a worker from there ends the leg near 10 s instead of 8 s.
    expect(Date.parse(a.finishedAt!) - Date.parse(a.startedAt!)).toBeLessThan(9500);
  });

  it('takes an attempt whose worker goes silent as outcome unknown, and undoes its leg', async () => {
    const { client, mocks, deliver } = await start({ a: { compensate: 'by-key' }, b: {} });
    mocks.script('deliver', 'a', mocks.silent());
    mocks.script('deliver', 'b', rejected(400));
    const id = await deliver(['a', 'b']);

    const state = await client.result(id);

    expect(state.status).toBe('compensated');
    expect(leg(state, 'a')).toMatchObject({
      status: 'compensated',
      outcomeUnknown: true,
      attempts: 1,
      lastError: "the attempt's worker went silent (heartbeat timeout)",
    });
    expect(mocks.inputs('compensate', 'a')[0]).not.toHaveProperty('response');
  });

  it('starts no attempt when a retry timer fires after the deadline, and says the deadline passed', async () => {
    const { client, mocks, deliver, until, stopWorkflows, restartWorkflows } = await start({
      a: { retry: { deadline: '3s' } },
      b: {},
    });
    mocks.script('deliver', 'a', transient(503, 1500));
    const id = await deliver(['a', 'b']);
    const waiting = await until(
      id,
      (s) => leg(s, 'a').status === 'pending' && leg(s, 'b').status === 'succeeded',
    );
    // No workflow task runs while the workflow worker is away: the timer's task waits for it,
    // so the workflow wakes up only once the leg's deadline has passed.
    await stopWorkflows();
    const pastDeadline = Date.parse(leg(waiting, 'a').startedAt!) + 3000 + 200 - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(pastDeadline, 0)));
    await restartWorkflows();
    const state = await client.result(id);

    expect(leg(state, 'a')).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'a (attempt 1) answered 503',
    });
    expect(state.reason).toBe(
      'a failed: the 3s deadline passed before the next attempt: a (attempt 1) answered 503; ' +
        'undone: b',
    );
    expect(mocks.inputs('deliver', 'a')).toHaveLength(1);
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

/** Waits until the run has handled a cancel request: a workflow task completed after it. */
async function cancelSeen(connection: Connection, id: string): Promise<void> {
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
