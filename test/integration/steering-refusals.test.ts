import { describe, expect, it } from 'vitest';
import type { OperatorAction } from '../../src/contract/action-types';
import { recordHistory } from '../support/history';
import { answer, transient } from '../support/mock-activities';
import { stockSignal } from '../support/stock-cli';
import { until } from '../support/wait';
import { leg, steeringWorld, waitingToRetry, WAITS_LONG } from '../support/steering';

describe('operators steering a running delivery: what is refused and why', () => {
  const { start, handle, update, refusedUpdate, searchStatus, details } = steeringWorld();

  it('refuses invalid signals without a trace in the state, memo or search attributes, shows why in the details, and refuses the same as updates', async () => {
    const {
      client,
      mocks,
      deliver,
      until: untilState,
      connection,
      memo,
    } = await start({
      a: WAITS_LONG,
    });
    mocks.script('deliver', 'a', transient(503));
    const id = await deliver(['a']);
    const before = await untilState(id, waitingToRetry('a'));
    const invalid: [OperatorAction, string, string][] = [
      [
        'pause',
        '{"leg":"nope","by":"gina"}',
        'pause: leg: the delivery has no leg "nope" (its legs are a).',
      ],
      [
        'retryNow',
        '{"leg":"a","soon":true}',
        'retryNow: unknown field "soon" (retryNow takes leg, by, note).',
      ],
      [
        'extendDeadline',
        '{"leg":"a","duration":"forever"}',
        'extendDeadline: duration: must be a duration from 1ms to 7d, such as "10m".',
      ],
      ['resume', '{"by":"gina"}', 'Nothing to do: no leg is paused.'],
      [
        'retry',
        '{"by":"gina"}',
        `Delivery "${id}" is running, not needs_attention: there is nothing to retry.`,
      ],
      [
        'resolve',
        '{"by":"gina"}',
        'resolve: note: a resolve needs a note saying what was done by hand.',
      ],
      ['pause', '"now"', 'pause takes a JSON object of leg, by, note (! = required).'],
      // The gateway's own limits, applied to signals too.
      [
        'pause',
        JSON.stringify({ leg: 'a', note: 'x'.repeat(501) }),
        'pause: note: must be at most 500 characters.',
      ],
      [
        'retryNow',
        JSON.stringify({ by: 'y'.repeat(201) }),
        'retryNow: by: must be at most 200 characters.',
      ],
      [
        'extendDeadline',
        '{"leg":"a","duration":"8d"}',
        'extendDeadline: duration: must be a duration from 1ms to 7d, such as "10m".',
      ],
      [
        'pause',
        JSON.stringify({ ['z'.repeat(10_000)]: 1 }),
        `pause: unknown field "${'z'.repeat(39)}…" (pause takes leg, by, note).`,
      ],
    ];

    const memoBefore = await memo(id);
    for (const [name, input] of invalid) await stockSignal(id, name, input);
    // Signals are handled in the order they arrived: the last refusal shown means all were seen.
    const [lastName, , lastWhy] = invalid[invalid.length - 1]!;
    const shown = await until(
      async () => details(id),
      (text) => text.includes(`- ${lastName}: ${lastWhy}`),
      { message: (text) => `the details never showed the last refusal: ${text}` },
    );

    // The details show the newest five refusals, each with why.
    for (const [name, , why] of invalid.slice(-5)) expect(shown).toContain(`- ${name}: ${why}`);
    const after = await client.status(id);
    expect(after).toEqual(before);
    expect(await memo(id)).toEqual(memoBefore);
    await searchStatus(id, 'running');
    expect(mocks.inputs('deliver', 'a')).toHaveLength(1);
    // No memo or search attribute was written since the first signal arrived.
    const events = (await handle(id).fetchHistory()).events ?? [];
    const firstSignal = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
    const writes = events
      .slice(firstSignal)
      .filter(
        (e) =>
          e.workflowPropertiesModifiedEventAttributes ||
          e.upsertWorkflowSearchAttributesEventAttributes,
      );
    expect(writes).toEqual([]);
    // A retry update waits for the run to park before it judges (Tandem's client refuses sooner).
    for (const [name, input, why] of invalid.filter(([name]) => name !== 'retry')) {
      expect(await refusedUpdate(id, name, JSON.parse(input))).toBe(why);
    }
    // Refused updates leave no trace in the state either.
    expect((await client.status(id)).actions).toBeUndefined();

    await client.cancel(id);
    await client.result(id);
    await recordHistory(connection, id, 'signals-refused');
  });

  it('refuses steering that does not fit the legs as they are, naming why', async () => {
    const { client, mocks, deliver, until } = await start({ a: {}, b: {} });
    const onTheWire = mocks.gate();
    mocks.script('deliver', 'a', onTheWire.step);
    const id = await deliver(['a', 'b']);
    await until(
      id,
      (s) => leg(s, 'a').status === 'in_flight' && leg(s, 'b').status === 'succeeded',
    );

    expect(await refusedUpdate(id, 'retryNow', { leg: 'a' })).toBe(
      'a is in_flight, not waiting to retry.',
    );
    expect(await refusedUpdate(id, 'retryNow', {})).toBe(
      'Nothing to do: no leg is waiting to retry (a: in_flight; b: succeeded).',
    );
    expect(await refusedUpdate(id, 'extendDeadline', { leg: 'b', duration: '1m' })).toBe(
      'b has no deadline running: it is succeeded.',
    );
    expect(await refusedUpdate(id, 'resume', { leg: 'a' })).toBe('a is not paused.');
    await update(id, 'pause', { leg: 'a', by: 'ivan' });
    expect(await refusedUpdate(id, 'pause', { leg: 'a' })).toBe(
      'a is paused (by "ivan" (as written)) already.',
    );
    // The attempt on the wire finishes while paused; nothing is left to attempt.
    onTheWire.open(answer(201));
    expect((await client.result(id)).status).toBe('completed');
  });
});
