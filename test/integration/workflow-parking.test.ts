import { describe, expect, it } from 'vitest';
import { DeliveryActionRefusedError } from '../../src/contract/action-errors';
import { answer, noAnswer, rejected, templateError } from '../support/mock-activities';
import { caught } from '../support/wait';
import { leg, legs, WAITS_LONG, workflowWorld } from '../support/workflow-world';

describe('the delivery workflow, with its activities mocked', () => {
  const { start } = workflowWorld();

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
});
