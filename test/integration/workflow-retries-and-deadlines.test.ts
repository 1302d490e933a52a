import { describe, expect, it } from 'vitest';
import { answer, rejected, transient, workerConfigError } from '../support/mock-activities';
import { leg, legs, took, workflowWorld } from '../support/workflow-world';

describe('the delivery workflow, with its activities mocked', () => {
  const { start } = workflowWorld();

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
    // At once: before the 5 s deadline, let alone the 10 s Retry-After.
    expect(took(state)).toBeLessThan(5000);
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
});
