import { describe, expect, it } from 'vitest';
import { recordHistory } from '../support/history';
import { answer, templateError, transient, rejected } from '../support/mock-activities';
import { stockSignal } from '../support/stock-cli';
import {
  asKept,
  heldByPause,
  leg,
  SDK_IDENTITY,
  steeringWorld,
  STOCK_CLI_IDENTITY,
  waitingToRetry,
  WAITS_LONG,
} from '../support/steering';

describe('operators steering a running delivery, through updates and stock-CLI signals', () => {
  const { start, handle, update, refusedUpdate, searchStatus, details } = steeringWorld();

  it('attempts at once on a retryNow update while a leg waits out a long backoff, and keeps who asked', async () => {
    const { client, mocks, deliver, until, connection } = await start({ a: WAITS_LONG });
    mocks.script('deliver', 'a', transient(503), answer(201));
    const id = await deliver(['a']);
    const waiting = await until(id, waitingToRetry('a'));
    const retryAt = Date.parse(leg(waiting, 'a').retryAt!);

    const done = await update(id, 'retryNow', { leg: 'a', by: 'alice', note: 'target is back' });
    const state = await client.result(id);
    await recordHistory(connection, id, 'retry-now-update');

    // The run cannot see the caller: its answer keeps the written `by` as a claim only.
    expect(done).toMatchObject({
      action: 'retryNow',
      legs: ['a'],
      by: 'unknown',
      claimedBy: 'alice',
      via: 'update',
    });
    expect(state.status).toBe('completed');
    const [first, second] = mocks.callsOf('deliver', 'a');
    // The leg was waiting out the whole 20 s backoff, and attempted again before its end.
    expect(retryAt - first!.at).toBeGreaterThanOrEqual(19_000);
    expect(second!.at).toBeLessThan(retryAt);
    expect(state.actions).toEqual([
      {
        action: 'retryNow',
        legs: ['a'],
        // Who asked is the identity Temporal recorded for the update's client.
        by: SDK_IDENTITY,
        claimedBy: 'alice',
        note: 'target is back',
        via: 'update',
        updateId: expect.any(String) as unknown,
        at: expect.any(String) as unknown,
      },
    ]);
  });

  it('attempts at once on a retryNow signal sent with temporal workflow signal, for every waiting leg', async () => {
    const { client, mocks, deliver, until, connection } = await start({ a: WAITS_LONG, b: {} });
    mocks.script('deliver', 'a', transient(503), answer(201));
    const id = await deliver(['a', 'b']);
    const waiting = await until(
      id,
      (s) => waitingToRetry('a')(s) && leg(s, 'b').status === 'succeeded',
    );

    // A signal of another name, from another client, first: it is no operator's action.
    await handle(id).signal('notAnAction', { by: 'eve' });
    await stockSignal(id, 'retryNow', '{"by":"bob"}');
    const state = await client.result(id);
    await recordHistory(connection, id, 'retry-now-signal');

    expect(state.status).toBe('completed');
    const [, second] = mocks.callsOf('deliver', 'a');
    expect(second!.at).toBeLessThan(Date.parse(leg(waiting, 'a').retryAt!));
    expect(state.actions).toMatchObject([
      { action: 'retryNow', legs: ['a'], by: STOCK_CLI_IDENTITY, claimedBy: 'bob', via: 'signal' },
    ]);
  });

  it('holds a paused leg past its backoff, shows it paused with who and why and its deadline suspended, and attempts once resumed by signal', async () => {
    const { client, mocks, deliver, until, live, connection, memo } = await start({
      a: { retry: { initialInterval: '300ms', maximumInterval: '300ms', deadline: '30s' } },
    });
    const first = mocks.gate();
    const second = mocks.gate();
    mocks.script('deliver', 'a', first.step, second.step);
    const id = await deliver(['a']);
    await live(id, (s) => leg(s, 'a').status === 'in_flight');

    const done = await update(id, 'pause', {
      leg: 'a',
      by: 'carol',
      note: 'maintenance until 06:00',
    });
    expect(done).toMatchObject({ action: 'pause', legs: ['a'], claimedBy: 'carol' });
    await searchStatus(id, 'paused');
    // The attempt on the wire finishes; its backoff passes; no new attempt starts.
    first.open(transient(503));
    const held = await until(id, heldByPause('a', 1));

    expect(held.status).toBe('paused');
    expect(leg(held, 'a').paused).toMatchObject({
      by: SDK_IDENTITY,
      claimedBy: 'carol',
      note: 'maintenance until 06:00',
    });
    expect(leg(held, 'a').deadlineAt).toBeUndefined();
    const left = leg(held, 'a').deadlineLeftMs!;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(30_000);
    expect(await memo(id)).toEqual(asKept(held));
    expect(await details(id)).toContain('`resume` `{"leg":"a","by":"your name","note":"why"}`');
    // Started with tracing off: no trace to lead to.
    expect(await details(id)).not.toMatch(/^trace /m);
    expect(await refusedUpdate(id, 'retryNow', { leg: 'a', by: 'carol' })).toBe(
      'a is paused (by "carol" (as written): maintenance until 06:00): resume it instead.',
    );
    // The deadline's clock is stopped: what is left does not shrink while paused.
    expect(leg(await client.status(id), 'a').deadlineLeftMs).toBe(left);
    expect(mocks.inputs('deliver', 'a')).toHaveLength(1);

    await stockSignal(id, 'resume', '{"leg":"a","by":"carol","note":"maintenance over"}');
    const resumed = await until(id, (s) => leg(s, 'a').status === 'in_flight');
    await searchStatus(id, 'running');
    expect(resumed.status).toBe('running');
    expect(leg(resumed, 'a').paused).toBeUndefined();
    // Kept, the deadline would fall 30 s after the leg started; suspended, it moved by the pause.
    const startedAt = Date.parse(leg(resumed, 'a').startedAt!);
    expect(Date.parse(leg(resumed, 'a').deadlineAt!) - startedAt).toBeGreaterThan(30_500);
    second.open(answer(201));
    const state = await client.result(id);
    await recordHistory(connection, id, 'paused-then-resumed');

    expect(state.status).toBe('completed');
    expect(mocks.inputs('deliver', 'a')).toHaveLength(2);
    expect(state.actions?.map((a) => [a.action, a.via, a.by, a.claimedBy, a.note])).toEqual([
      ['pause', 'update', SDK_IDENTITY, 'carol', 'maintenance until 06:00'],
      ['resume', 'signal', STOCK_CLI_IDENTITY, 'carol', 'maintenance over'],
    ]);
  });

  it('keeps a pause of every leg across a workflow worker restart, and a resume update resumes them all', async () => {
    const { client, mocks, deliver, until, live, connection, stopWorkflows, restartWorkflows } =
      await start({ a: { retry: { initialInterval: '300ms', maximumInterval: '300ms' } }, b: {} });
    const onTheWire = mocks.gate();
    mocks.script('deliver', 'a', onTheWire.step, answer(201));
    const id = await deliver(['a', 'b']);
    await live(id, (s) => leg(s, 'a').status === 'in_flight' && leg(s, 'b').status === 'succeeded');

    await stockSignal(id, 'pause', '{"by":"dave","note":"every target is down"}');
    const paused = await until(id, (s) => s.status === 'paused');
    // b succeeded but may still need undoing: it is held too.
    expect(paused.legs.map((l) => [l.target, l.paused?.by, l.paused?.claimedBy])).toEqual([
      ['a', STOCK_CLI_IDENTITY, 'dave'],
      ['b', STOCK_CLI_IDENTITY, 'dave'],
    ]);
    await stopWorkflows();
    await restartWorkflows();
    onTheWire.open(transient(503));
    const held = await until(id, heldByPause('a', 1));

    expect(held.status).toBe('paused');
    expect(leg(held, 'a').paused).toMatchObject({
      claimedBy: 'dave',
      note: 'every target is down',
    });
    await searchStatus(id, 'paused');
    expect(mocks.inputs('deliver', 'a')).toHaveLength(1);

    const done = await update(id, 'resume', { by: 'dave' });
    expect(done.legs).toEqual(['a', 'b']);
    const state = await client.result(id);
    await recordHistory(connection, id, 'paused-all-across-restart');

    expect(state.status).toBe('completed');
    expect(state.legs.every((l) => l.paused === undefined)).toBe(true);
    expect(mocks.inputs('deliver', 'a')).toHaveLength(2);
  });

  it('lets a leg wait out a Retry-After past its deadline once an extendDeadline update gave it time', async () => {
    const { client, mocks, deliver, live, connection } = await start({
      a: { retry: { deadline: '3s' } },
    });
    const onTheWire = mocks.gate();
    mocks.script('deliver', 'a', onTheWire.step, answer(201));
    const id = await deliver(['a']);
    const inFlight = await live(id, (s) => leg(s, 'a').status === 'in_flight');
    const deadline = Date.parse(leg(inFlight, 'a').deadlineAt!);

    const done = await update(id, 'extendDeadline', { leg: 'a', duration: '1m', by: 'erin' });
    const extended = await client.status(id);
    // 4 s of Retry-After would pass the 3 s deadline: without the extension the leg fails here.
    onTheWire.open(transient(503, 4000));
    const state = await client.result(id);
    await recordHistory(connection, id, 'deadline-extended');

    expect(done).toMatchObject({ action: 'extendDeadline', legs: ['a'], duration: '1m' });
    expect(Date.parse(leg(extended, 'a').deadlineAt!)).toBe(deadline + 60_000);
    expect(state.status).toBe('completed');
    expect(leg(state, 'a').attempts).toBe(2);
  });

  it('extends a deadline on an extendDeadline signal from temporal workflow signal', async () => {
    const { client, mocks, deliver, until } = await start({ a: WAITS_LONG });
    mocks.script('deliver', 'a', transient(503));
    const id = await deliver(['a']);
    const waiting = await until(id, waitingToRetry('a'));
    const deadline = Date.parse(leg(waiting, 'a').deadlineAt!);

    await stockSignal(id, 'extendDeadline', '{"leg":"a","duration":"30s","by":"frank"}');
    const extended = await until(id, (s) => s.actions !== undefined);

    expect(Date.parse(leg(extended, 'a').deadlineAt!)).toBe(deadline + 30_000);
    expect(extended.actions).toMatchObject([
      {
        action: 'extendDeadline',
        legs: ['a'],
        duration: '30s',
        by: STOCK_CLI_IDENTITY,
        claimedBy: 'frank',
        via: 'signal',
      },
    ]);
    await client.cancel(id);
    expect((await client.result(id)).status).toBe('cancelled');
  });

  it('resolves a parked delivery on a resolve signal, keeping the note and who sent it', async () => {
    const { client, mocks, deliver, connection } = await start({
      ledger: { compensate: 'none' },
      b: {},
    });
    mocks.script('deliver', 'b', rejected(422));
    const id = await deliver(['ledger', 'b']);
    await client.waitFor(id, ['needs_attention'], { pollMs: 50 });

    await stockSignal(id, 'resolve', '{"note":"entry reversed by hand","by":"hank"}');
    const state = await client.result(id);
    await recordHistory(connection, id, 'resolved-by-signal');

    expect(state).toMatchObject({ status: 'resolved', note: 'entry reversed by hand' });
    expect(state.actions).toMatchObject([
      { action: 'resolve', by: STOCK_CLI_IDENTITY, claimedBy: 'hank', via: 'signal' },
    ]);
  });

  it('retries a parked delivery on a retry signal', async () => {
    const { client, mocks, deliver, connection } = await start({ a: {}, b: {} });
    mocks.script('deliver', 'b', rejected(400));
    mocks.script('compensate', 'a', templateError('response.body.x', 'http://a.invalid/{{x}}'));
    const id = await deliver(['a', 'b']);
    await client.waitFor(id, ['needs_attention'], { pollMs: 50 });
    expect(await details(id)).toContain('`retry` `{"by":"your name","note":"why"}`');

    mocks.script('compensate', 'a', answer(204));
    await stockSignal(id, 'retry', '{"leg":"a","by":"jo"}');
    const state = await client.result(id);
    await recordHistory(connection, id, 'retried-by-signal');

    expect(state.status).toBe('compensated');
    expect(leg(state, 'a').status).toBe('compensated');
    expect(state.actions).toMatchObject([
      { action: 'retry', legs: ['a'], by: STOCK_CLI_IDENTITY, claimedBy: 'jo', via: 'signal' },
    ]);
  });
});
