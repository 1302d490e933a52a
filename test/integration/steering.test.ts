import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { workflowIdFor, type DeliveryState, type LegState } from '../../src/contract/contracts';
import { hostname } from 'node:os';
import {
  operatorUpdates,
  UNKNOWN_CALLER,
  type OperatorAction,
  type OperatorArgs,
} from '../../src/contract/operator-actions';
import { TandemStatus } from '../../src/contract/search-attributes';
import { recordHistory } from '../support/history';
import { answer, templateError, transient, rejected } from '../support/mock-activities';
import {
  startMockedDeliveries,
  type MockedDeliveries,
  type MockTarget,
} from '../support/mock-workers';
import { stockSignal } from '../support/stock-cli';
import { caught, until } from '../support/wait';

const leg = (state: DeliveryState, target: string): LegState =>
  state.legs.find((l) => l.target === target)!;

/** The identity Temporal records for a request of an SDK client made with no identity of its own. */
const SDK_IDENTITY = `${process.pid}@${hostname()}`;
/** The identity Temporal records for `temporal workflow signal`. */
const STOCK_CLI_IDENTITY = expect.stringMatching(/^temporal-cli:/) as unknown as string;

/** A state as its run keeps it: who asked is only filled in by readers, from history. */
const asKept = (state: DeliveryState): DeliveryState => ({
  ...state,
  legs: state.legs.map((l) =>
    l.paused === undefined ? l : { ...l, paused: { ...l.paused, by: UNKNOWN_CALLER } },
  ),
  ...(state.actions && {
    actions: state.actions.map((a) => ({ ...a, by: UNKNOWN_CALLER })),
  }),
});

/** A retry policy whose first backoff outlasts the test: the leg only moves on when steered. */
const WAITS_LONG: MockTarget = {
  retry: { initialInterval: '20s', maximumInterval: '20s', deadline: '1m' },
};

/** Waiting out a backoff: one failed attempt, the next one due at `retryAt`. */
const waitingToRetry = (target: string) => (s: DeliveryState) =>
  leg(s, target).status === 'pending' && leg(s, target).retryAt !== undefined;

/** Held by a pause: the attempt failed, its backoff is over, and no new attempt started. */
const heldByPause = (target: string, attempts: number) => (s: DeliveryState) =>
  leg(s, target).status === 'pending' &&
  leg(s, target).attempts === attempts &&
  leg(s, target).retryAt === undefined;

describe('operators steering a running delivery, through updates and stock-CLI signals', () => {
  let world: MockedDeliveries | undefined;
  const start = async (targets: Record<string, MockTarget>) => {
    world = await startMockedDeliveries(targets);
    return world;
  };
  afterEach(async () => {
    const failedTasks = await world?.stop();
    world = undefined;
    expect(failedTasks ?? []).toEqual([]);
  });

  const handle = (id: string) =>
    new Client({ connection: world!.connection }).workflow.getHandle(workflowIdFor(id));
  const update = <A extends OperatorAction>(id: string, action: A, args: OperatorArgs[A]) =>
    handle(id).executeUpdate(operatorUpdates[action], { args: [args] });
  const refusedUpdate = async (id: string, action: OperatorAction, args: unknown) => {
    const error = await caught(WorkflowUpdateFailedError, () =>
      handle(id).executeUpdate(action, { args: [args] }),
    );
    return error.cause?.message;
  };
  const searchStatus = (id: string, expected: string) =>
    until(
      async () => (await handle(id).describe()).typedSearchAttributes.get(TandemStatus),
      (status) => status === expected,
      { message: (status) => `TandemStatus is ${status}, not ${expected}` },
    );
  /** The run's current details as the Temporal UI shows them. */
  const details = async (id: string) =>
    (await handle(id).query<{ currentDetails: string }>('__temporal_workflow_metadata'))
      .currentDetails;

  it('attempts at once on a retryNow update while a leg waits out a long backoff, and keeps who asked', async () => {
    const { client, mocks, deliver, until, connection } = await start({ a: WAITS_LONG });
    mocks.script('deliver', 'a', transient(503), answer(201));
    const id = await deliver(['a']);
    const waiting = await until(id, waitingToRetry('a'));
    expect(Date.parse(leg(waiting, 'a').retryAt!)).toBeGreaterThan(Date.now() + 10_000);

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
    // Far sooner than the 20 s backoff.
    expect(second!.at - first!.at).toBeLessThan(10_000);
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
    await until(id, (s) => waitingToRetry('a')(s) && leg(s, 'b').status === 'succeeded');

    await stockSignal(id, 'retryNow', '{"by":"bob"}');
    const state = await client.result(id);
    await recordHistory(connection, id, 'retry-now-signal');

    expect(state.status).toBe('completed');
    const [first, second] = mocks.callsOf('deliver', 'a');
    expect(second!.at - first!.at).toBeLessThan(10_000);
    expect(state.actions).toMatchObject([
      { action: 'retryNow', legs: ['a'], by: STOCK_CLI_IDENTITY, claimedBy: 'bob', via: 'signal' },
    ]);
  });

  it('holds a paused leg past its backoff, shows it paused with who and why and its deadline suspended, and attempts once resumed by signal', async () => {
    const { client, mocks, deliver, until, connection, memo } = await start({
      a: { retry: { initialInterval: '300ms', maximumInterval: '300ms', deadline: '30s' } },
    });
    const first = mocks.gate();
    const second = mocks.gate();
    mocks.script('deliver', 'a', first.step, second.step);
    const id = await deliver(['a']);
    await until(id, (s) => leg(s, 'a').status === 'in_flight');

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
    const { client, mocks, deliver, until, connection, stopWorkflows, restartWorkflows } =
      await start({ a: { retry: { initialInterval: '300ms', maximumInterval: '300ms' } }, b: {} });
    const onTheWire = mocks.gate();
    mocks.script('deliver', 'a', onTheWire.step, answer(201));
    const id = await deliver(['a', 'b']);
    await until(
      id,
      (s) => leg(s, 'a').status === 'in_flight' && leg(s, 'b').status === 'succeeded',
    );

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
    const { client, mocks, deliver, until, connection } = await start({
      a: { retry: { deadline: '3s' } },
    });
    const onTheWire = mocks.gate();
    mocks.script('deliver', 'a', onTheWire.step, answer(201));
    const id = await deliver(['a']);
    const inFlight = await until(id, (s) => leg(s, 'a').status === 'in_flight');
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
