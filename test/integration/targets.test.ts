import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterEach, describe, expect, it } from 'vitest';
import type { TargetOverview } from '../../src/client/client';
import { TargetNotFoundError } from '../../src/contract/action-errors';
import { targetTaskQueue, type DeliveryState } from '../../src/contract/contracts';
import { controllerIdFor } from '../../src/contract/target-control';
import type { ReceivedRequest } from '../../src/demo/request-log';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';
import { ledger } from '../support/ledger';
import { spawnTandem } from '../support/processes';
import { startSystem, type System } from '../support/system';
import { caught, until } from '../support/wait';

/** The rate the server enforces on a target's task queue now; `null`: none. */
async function queueRate(system: System, target: string): Promise<number | null> {
  const { config, connection } = system;
  const { config: queue } = await connection.workflowService.describeTaskQueue({
    namespace: config.temporal.namespace,
    taskQueue: { name: targetTaskQueue(config.temporal.taskQueue, target) },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportConfig: true,
  });
  return queue?.queueRateLimit?.rateLimit?.requestsPerSecond ?? null;
}

/** Waits until the target's queue has `rate` on the server. */
const untilQueueRate = (system: System, target: string, rate: number | null) =>
  until(
    () => queueRate(system, target),
    (now) => now === rate,
    { message: (now) => `${target}'s queue rate is ${now}, not ${rate}` },
  );

/** The task queue partitions of the dev server: each rate-limits with a burst of its own. */
const PARTITIONS = 4;

/** The most requests that arrived within any one second. */
function busiestSecond(requests: readonly ReceivedRequest[]): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('a target across the fleet', () => {
  let system: System | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it("sets the configured rate limit on the target's task queue at start, and the one tandem target limit sets at run time", async () => {
    system = await startSystem((doc) => Object.assign(doc.targets.shipping, { rateLimit: '20/s' }));
    const env = { TANDEM_CONFIG: await system.writeConfigFile() };

    await untilQueueRate(system, 'shipping', 20);
    const limited = await spawnTandem(['target', 'limit', 'shipping', '5/s'], env).exited;
    expect(limited).toMatchObject({ code: 0 });
    expect(limited.stdout).toContain('Target shipping: rate limit 5/s, enforced by the server.');
    expect(await queueRate(system, 'shipping')).toBe(5);
    await system.client.actOnTarget('shipping', 'limitTarget', { rate: 'none' });
    expect(await queueRate(system, 'shipping')).toBeNull();
    await system.client.actOnTarget('shipping', 'limitTarget', { rate: 'default' });
    expect(await queueRate(system, 'shipping')).toBe(20);

    const listed = await spawnTandem(['targets', '--json'], env).exited;
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ target: 'inventory', status: 'closed', effectiveRate: null }),
      expect.objectContaining({
        target: 'shipping',
        status: 'closed',
        configuredRate: 20,
        effectiveRate: 20,
        applied: true,
      }),
    ]);
  }, 60_000);

  it('spaces the attempts of a burst to a limited target at its rate, across the fleet', async () => {
    system = await startSystem((doc) => Object.assign(doc.targets.shipping, { rateLimit: '2/s' }));
    const { client, targets } = system;
    await untilQueueRate(system, 'shipping', 2);
    const ids = Array.from({ length: 12 }, () => system!.newId('burst'));

    await Promise.all(ids.map((id) => client.start({ id, targets: ['shipping'], payload: {} })));
    await Promise.all(ids.map((id) => client.result(id)));

    const sent = targets.received('shipping', 'create');
    expect(sent).toHaveLength(12);
    // The server splits a queue into partitions (4 on the dev server), each with its share of
    // the rate and a burst of its own: 2/s plus that burst, far from the 12 at once an
    // unlimited queue sends, and the 8 past the burst take about 4 s (3 s allowed).
    expect(busiestSecond(sent)).toBeLessThanOrEqual(2 + PARTITIONS);
    expect(sent.at(-1)!.at - sent[0]!.at).toBeGreaterThanOrEqual(((12 - PARTITIONS) / 2) * 750);
  }, 60_000);

  it('refuses an unknown target and a bad rate with clear errors, starting and changing nothing', async () => {
    const gateway: GatewaySystem = await startGatewaySystem({
      tune: (doc) => Object.assign(doc.targets.shipping, { rateLimit: '20/s' }),
    });
    system = gateway;
    const env = { TANDEM_CONFIG: await gateway.writeConfigFile() };

    const unknown = await caught(TargetNotFoundError, () =>
      gateway.client.actOnTarget('billing', 'pauseTarget', {}),
    );
    expect(unknown.message).toBe(
      'The config declares no target "billing"; its targets are "inventory", "shipping".',
    );
    const byHttp = await gateway.http('POST', '/v1/targets/billing/pause', { json: {} });
    expect(byHttp.status).toBe(404);
    expect(byHttp.body).toMatchObject({ detail: unknown.message });
    const byCli = await spawnTandem(['target', 'pause', 'billing'], env).exited;
    expect(byCli.code).toBe(4);
    expect(byCli.stderr.trim()).toBe(`tandem: ${unknown.message}`);

    const badRate = await gateway.http('POST', '/v1/targets/shipping/limit', {
      json: { rate: 'fast' },
    });
    expect(badRate.status).toBe(400);
    expect(JSON.stringify(badRate.body)).toContain('rate');
    const badByCli = await spawnTandem(['target', 'limit', 'shipping', '0/s'], env).exited;
    expect(badByCli.code).toBe(2);
    expect(badByCli.stderr).toContain('Must be a rate like 20/s or 90/m');

    // Nothing was started for the unknown target, and shipping is as configured.
    const temporalClient = new Client({
      connection: gateway.connection,
      namespace: gateway.config.temporal.namespace,
    });
    await expect(
      temporalClient.workflow
        .getHandle(controllerIdFor(gateway.config.temporal.taskQueue, 'billing'))
        .describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const [, shipping] = await gateway.client.targets();
    expect(shipping).toMatchObject({ status: 'closed', effectiveRate: 20 });
    expect(shipping!.override).toBeUndefined();
    expect(await queueRate(gateway, 'shipping')).toBe(20);
  }, 60_000);

  it('counts per target in GET /v1/targets and tandem targets the legs waiting out a backoff, paused by an operator and held by its pause', async () => {
    const gateway: GatewaySystem = await startGatewaySystem();
    system = gateway;
    const { client, targets } = gateway;
    const env = { TANDEM_CONFIG: await gateway.writeConfigFile() };
    targets.setFault('shipping', 'create', { status: 503, retryAfter: '60' });
    const ids = [gateway.newId('wait'), gateway.newId('wait'), gateway.newId('paused')];
    await Promise.all(
      ids.map((id) => client.start({ id, targets: ['inventory', 'shipping'], payload: {} })),
    );
    await until(
      () => Promise.all(ids.map((id) => client.status(id))),
      (all) => all.every((s) => s.legs.some((leg) => leg.retryAt !== undefined)),
      { message: () => "every delivery's shipping leg to wait out its Retry-After" },
    );
    await client.steer(ids[2]!, 'pause', { leg: 'shipping' });
    /** Each target's running deliveries, then its legs waiting, paused and held. */
    const counted = async () => {
      const { body } = await gateway.http<{ targets: TargetOverview[] }>('GET', '/v1/targets');
      return JSON.stringify(body.targets.map((t) => [t.target, t.runningDeliveries, t.legs]));
    };
    const legs = (waiting: number, paused: number, held: number) => ({ waiting, paused, held });
    const untilCounted = (shipping: ReturnType<typeof legs>) => {
      const wanted = JSON.stringify([
        ['inventory', 3, legs(0, 0, 0)],
        ['shipping', 3, shipping],
      ]);
      return until(counted, (now) => now === wanted, {
        message: (now) => `the counts to be ${wanted}, not ${now}`,
      });
    };

    await untilCounted(legs(2, 1, 0));
    // The target's pause holds the two waiting legs; the one an operator paused stays counted
    // as paused, which its own resume lifts.
    await client.actOnTarget('shipping', 'pauseTarget', { note: 'carrier down' }, 'alice');
    await untilCounted(legs(0, 1, 2));

    const listed = await spawnTandem(['targets'], env).exited;
    expect(listed.code).toBe(0);
    const rows = listed.stdout.split('\n').map((line) => line.trim().split(/\s+/));
    expect(rows[0]!.slice(-4)).toEqual(['RUNNING', 'WAITING', 'PAUSED', 'HELD']);
    expect(rows.find((row) => row[0] === 'shipping')!.slice(-4)).toEqual(['3', '0', '1', '2']);
  }, 60_000);

  it('holds every leg to a paused target, running or started later, past its deadline, and resume delivers each once', async () => {
    const DEADLINE_MS = 10_000;
    system = await startSystem((doc) => {
      Object.assign(doc.targets.shipping.retry, {
        deadline: `${DEADLINE_MS}ms`,
        maximumAttempts: 0,
        maximumInterval: '1s',
      });
    });
    const { client, targets } = system;
    const shippingLeg = (state: DeliveryState) => state.legs.find((l) => l.target === 'shipping')!;
    const statuses = () => Promise.all(ids.map((id) => client.status(id)));
    targets.setFault('shipping', 'create', { status: 503 });
    const ids = Array.from({ length: 30 }, () => system!.newId('held'));
    await Promise.all(
      ids.map((id) => client.start({ id, targets: ['inventory', 'shipping'], payload: {} })),
    );
    // In flight: the targets are being tried (shipping answering 503, to be retried).
    await targets.waitFor((r) => r.api === 'shipping' && r.status === 503);

    const pausedAt = Date.now();
    const paused = await client.actOnTarget(
      'shipping',
      'pauseTarget',
      { note: 'carrier down' },
      'alice',
    );
    const appliedAt = Date.now();
    expect(paused).toMatchObject({ status: 'paused', applied: true, effectiveRate: 0 });
    targets.clearFaults();
    const later = system.newId('later');
    await client.start({ id: later, targets: ['inventory', 'shipping'], payload: {} });
    ids.push(later);
    const held = await until(
      statuses,
      (all) => all.every((s) => s.status === 'paused' && shippingLeg(s).held?.by === 'alice'),
      {
        timeoutMs: 30_000,
        intervalMs: 500,
        message: (all) =>
          `every run to show shipping held: ${JSON.stringify(all.filter((s) => !shippingLeg(s).held))}`,
      },
    );
    expect(shippingLeg(held[0]!).held).toMatchObject({ reason: 'paused', note: 'carrier down' });
    expect(shippingLeg(held[0]!).deadlineLeftMs).toBeLessThanOrEqual(DEADLINE_MS);
    const sentWhenHeld = targets.received('shipping', 'create').length;

    // The pause outlasts the legs' deadline: a deadline that kept running would end them.
    await until(
      () => Date.now(),
      (now) => now > pausedAt + DEADLINE_MS + 2_000,
      { timeoutMs: 20_000, message: () => 'the pause to outlast the deadline' },
    );
    expect(targets.received('shipping', 'create')).toHaveLength(sentWhenHeld);
    expect(targets.received('shipping', 'create').filter((r) => r.at > appliedAt + 1_000)).toEqual(
      [],
    );
    expect((await statuses()).map((s) => s.status)).toEqual(ids.map(() => 'paused'));

    await client.actOnTarget('shipping', 'resumeTarget', {}, 'alice');
    const ended = await Promise.all(ids.map((id) => client.result(id)));
    expect(ended.filter((s) => s.status !== 'completed')).toEqual([]);
    const started = ids.map((id) => ({ id, targets: ['inventory', 'shipping'] }));
    expect(ledger(started, targets.received())).toEqual({ lost: [], doubled: [] });
  }, 120_000);
});
