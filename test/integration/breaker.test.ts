import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TargetOverview } from '../../src/client/client';
import type { DeliveryState } from '../../src/contract/contracts';
import {
  controllerIdFor,
  TARGET_STATE_MEMO,
  type TargetControlState,
} from '../../src/contract/target-control';
import type { DemoConfigDocument } from '../../src/dev/local-system';
import { startTracing, type Tracing } from '../../src/telemetry/tracing';
import { ledger } from '../support/ledger';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver';
import { startSystem, type System } from '../support/system';
import { until } from '../support/wait';

/** The task queue partitions of the dev server: each rate-limits with a burst of its own. */
const PARTITIONS = 4;

/** Turns shipping's breaker on with `breaker` and gives its legs `retry`. */
const shippingWith =
  (breaker: Record<string, unknown>, retry: Record<string, unknown>) =>
  (doc: DemoConfigDocument) => {
    Object.assign(doc.targets.shipping, { breaker });
    Object.assign(doc.targets.shipping.retry, retry);
  };

async function shipping(system: System): Promise<TargetOverview> {
  const all = await system.client.targets();
  return all.find((t) => t.target === 'shipping')!;
}

/** Waits until shipping's breaker is `state`, and returns the target's state then. */
const untilBreaker = (system: System, state: string, timeoutMs = 30_000) =>
  until(
    () => shipping(system),
    (t) => t.breaker === state,
    {
      timeoutMs,
      intervalMs: 100,
      message: (t) => `shipping's breaker is ${t.breaker}, not ${state}`,
    },
  );

/**
 * The breaker's log, from the controller's history: each state its memo showed, in order, with
 * when it entered it and why (every transition is there, whichever worker ran the controller).
 */
async function breakerLog(system: System): Promise<TargetControlState['breakerChange'][]> {
  const client = new Client({
    connection: system.connection,
    namespace: system.config.temporal.namespace,
  });
  const id = controllerIdFor(system.config.temporal.taskQueue, 'shipping');
  const history = await client.workflow.getHandle(id).fetchHistory();
  const log: TargetControlState['breakerChange'][] = [];
  for (const event of history.events ?? []) {
    const memo = event.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields;
    const payload = memo?.[TARGET_STATE_MEMO];
    if (!payload) continue;
    const state = defaultPayloadConverter.fromPayload<TargetControlState>(payload);
    const last = log.at(-1);
    if (state.breakerChange && state.breakerChange.since !== last?.since) {
      log.push({ ...state.breakerChange, why: `${state.breaker}: ${state.breakerChange.why}` });
    }
  }
  return log;
}

let receiver: OtlpReceiver;
let tracing: Tracing;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // Traced, to see a held leg's span name the breaker; the SDK reads the standard variables.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
  process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
  tracing = await startTracing(process.env, 'tandem-test');
});

afterAll(async () => {
  await tracing?.shutdown();
  await receiver?.stop();
});

describe("a target's circuit breaker", () => {
  let system: System | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('opens on a dead target, lets only probes reach it while open, and closes once it recovers: every delivery completes once', async () => {
    system = await startSystem(
      shippingWith(
        { failureRate: '50%', minAttempts: 10, window: '5s', openFor: '2s', probes: 3 },
        { deadline: '90s', maximumAttempts: 0, maximumInterval: '1s' },
      ),
    );
    const { client, targets } = system;
    targets.setFault('shipping', 'create', { status: 503 });
    const ids = Array.from({ length: 40 }, () => system!.newId('dead'));
    await Promise.all(
      ids.map((id) => client.start({ id, targets: ['inventory', 'shipping'], payload: {} })),
    );

    const opened = await untilBreaker(system, 'open');
    expect(opened.breakerChange!.why).toMatch(/^\d+ of \d+ attempts failed in 5s/);
    expect(opened.effectiveRate).toBe(0);
    const openedAt = Date.parse(opened.breakerChange!.since);
    // Probes fail while the target is still dead: the breaker reopens at least once.
    await until(
      () => breakerLog(system!),
      (log) => log.filter((entry) => entry!.why.startsWith('open: probe failed')).length >= 1,
      {
        timeoutMs: 30_000,
        intervalMs: 500,
        message: (log) => `a reopen in ${JSON.stringify(log)}`,
      },
    );
    targets.clearFaults();
    const closed = await untilBreaker(system, 'closed');
    const closedAt = Date.parse(closed.breakerChange!.since);
    expect(closed.breakerChange!.why).toMatch(/^\d+ probe\(s\) succeeded$/);

    const ended = await Promise.all(ids.map((id) => client.result(id)));
    expect(ended.filter((s: DeliveryState) => s.status !== 'completed')).toEqual([]);
    const started = ids.map((id) => ({ id, targets: ['inventory', 'shipping'] }));
    expect(ledger(started, targets.received())).toEqual({ lost: [], doubled: [] });

    // While it was open (past the attempts already on their way when it opened), only probes
    // reached shipping: per half-open spell, a burst per queue partition, then 1/s for the few
    // seconds a failed probe's report and the reopen take, where the 40 legs released at once
    // send about 80 (and retrying each second with no breaker, hundreds).
    const log = await breakerLog(system);
    const halfOpens = log.filter((entry) => entry!.why.startsWith('half_open')).length;
    const whileOpen = targets
      .received('shipping', 'create')
      .filter((r) => r.at > openedAt + 1_000 && r.at < closedAt);
    expect(halfOpens).toBeGreaterThanOrEqual(2);
    expect(whileOpen.length).toBeLessThanOrEqual(halfOpens * (PARTITIONS + 8));
  }, 180_000);

  it('fails a leg whose deadline passes while the breaker holds it with "breaker open", its span naming the breaker, and its delivery compensates', async () => {
    system = await startSystem(
      shippingWith(
        { failureRate: '50%', minAttempts: 5, window: '5s', openFor: '1m' },
        { deadline: '8s', maximumAttempts: 0, maximumInterval: '1s' },
      ),
    );
    const { client, targets } = system;
    targets.setFault('shipping', 'create', { status: 503 });
    const ids = Array.from({ length: 6 }, () => system!.newId('held'));
    await Promise.all(
      ids.map((id) => client.start({ id, targets: ['inventory', 'shipping'], payload: {} })),
    );
    const opened = await untilBreaker(system, 'open');
    const openedAt = Date.parse(opened.breakerChange!.since);

    const ended = await Promise.all(ids.map((id) => client.result(id)));
    for (const state of ended) {
      expect(state.status).toBe('compensated');
      expect(state.reason).toContain('shipping failed: breaker open');
      expect(state.legs.find((l) => l.target === 'inventory')!.status).toBe('compensated');
    }
    // The legs' spans tell they waited on the breaker (each that was held between attempts; one
    // whose attempt was queued on the server when the breaker opened waits there instead).
    const shippingLegs = await until(
      () =>
        receiver
          .spans()
          .filter(
            (s) =>
              s.name === 'tandem.leg' &&
              s.attributes['tandem.target'] === 'shipping' &&
              ids.includes(String(s.attributes['tandem.delivery.id'])),
          ),
      (legs) => legs.length === ids.length,
      {
        timeoutMs: 10_000,
        message: (legs) => `${ids.length} shipping leg spans, not ${legs.length}`,
      },
    );
    const heldEvents = shippingLegs
      .flatMap((leg) => leg.events)
      .filter((e) => e.name === 'tandem.held');
    expect(heldEvents.length).toBeGreaterThanOrEqual(1);
    for (const event of heldEvents) {
      expect(event.attributes['tandem.held_by']).toMatch(
        /^breaker open: shipping's circuit breaker holds its attempts \(\d+ of \d+ attempts failed in 5s/,
      );
    }
    // Held, not attempting: nothing reached shipping once the breaker was open.
    expect(targets.received('shipping', 'create').filter((r) => r.at > openedAt + 1_000)).toEqual(
      [],
    );
  }, 60_000);

  it('does not count permanent refusals: only transient failures open it', async () => {
    system = await startSystem(
      shippingWith(
        { failureRate: '50%', minAttempts: 5, window: '1m', openFor: '1m' },
        { maximumAttempts: 1 },
      ),
    );
    const { client, targets } = system;
    const start = async (count: number) => {
      const ids = Array.from({ length: count }, () => system!.newId('once'));
      await Promise.all(ids.map((id) => client.start({ id, targets: ['shipping'], payload: {} })));
      return ids;
    };

    targets.setFault('shipping', 'create', { status: 422 });
    const refused = await Promise.all((await start(10)).map((id) => client.result(id)));
    expect(refused.map((s) => s.status)).toEqual(Array(10).fill('compensated'));
    targets.setFault('shipping', 'create', { status: 503 });
    const transientFrom = Date.now();
    await start(5);

    const opened = await untilBreaker(system, 'open');
    // Opened by the 5 transient failures alone, after the 10 refusals (which made no report).
    expect(Date.parse(opened.breakerChange!.since)).toBeGreaterThanOrEqual(transientFrom);
    expect(opened.breakerChange!.why).toMatch(/^5 of 5 attempts failed in 1m/);
  }, 60_000);
});
