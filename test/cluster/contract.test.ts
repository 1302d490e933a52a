import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { queryTrace } from '../support/jaeger-query';
import { spawnTandem } from '../support/processes';
import { INVENTORY_TOKEN, startClusterSystem, untilAnswered, type ClusterSystem } from './system';

/*
 * The contract's scenarios on a cluster: PostgreSQL persistence and visibility, four history
 * shards, Temporal's services as separate processes, every connection over mTLS.
 */

const both = ['inventory', 'shipping'];

describe('Tandem on a Temporal cluster (PostgreSQL, 4 shards, mTLS)', () => {
  let system: ClusterSystem;
  const of = (id: string, api: 'inventory' | 'shipping', operation: 'create' | 'undo') =>
    system.targets.received(api, operation).filter((r) => r.headers['x-tandem-delivery'] === id);

  beforeAll(async () => {
    system = await startClusterSystem((doc) => {
      doc.targets.inventory.compensate.retry.maximumAttempts = 2;
    });
  });
  afterEach(() => system.targets.clearFaults());
  afterAll(async () => {
    await system.stop();
  });

  it('sends both legs in parallel and completes', async () => {
    system.targets.setFault('inventory', 'create', { latencyMs: 700, times: 1 });
    system.targets.setFault('shipping', 'create', { latencyMs: 700, times: 1 });
    const id = system.newId();
    await system.client.start({ id, targets: both, payload: { sku: 'A-1' } });
    const state = await system.client.result(id);

    expect(state.status).toBe('completed');
    const [inventory] = of(id, 'inventory', 'create');
    const [shipping] = of(id, 'shipping', 'create');
    // Each was sent before the other answered.
    expect(inventory!.at).toBeLessThan(shipping!.answeredAt!);
    expect(shipping!.at).toBeLessThan(inventory!.answeredAt!);
  });

  it('compensates inventory with the id from its answer when shipping rejects the order', async () => {
    system.targets.setFault('shipping', 'create', { status: 422, times: 1 });
    const id = system.newId();
    await system.client.start({ id, targets: both, payload: {} });
    const state = await system.client.result(id);

    expect(state.status).toBe('compensated');
    const created = of(id, 'inventory', 'create')[0]!;
    const undos = of(id, 'inventory', 'undo');
    expect(undos).toHaveLength(1);
    expect(undos[0]!.path).toMatch(/^\/inventory\/reservations\/res_\d+$/);
    expect(undos[0]!.status).toBe(204);
    expect(created.status).toBe(201);
  });

  it('waits as long as Retry-After says before the next attempt', async () => {
    system.targets.setFault('inventory', 'create', { status: 503, retryAfter: '2', times: 1 });
    const id = system.newId();
    await system.client.start({ id, targets: both, payload: {} });
    expect((await system.client.result(id)).status).toBe('completed');

    const attempts = of(id, 'inventory', 'create');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.answeredAt!).toBeGreaterThanOrEqual(2000);
  });

  it('starts the same delivery once when it is started twice', async () => {
    const id = system.newId();
    const first = await system.client.start({ id, targets: both, payload: { n: 1 } });
    const again = await system.client.start({ id, targets: both, payload: { n: 1 } });
    await system.client.result(id);

    expect([first.started, again.started]).toEqual([true, false]);
    expect(of(id, 'inventory', 'create')).toHaveLength(1);
    expect(of(id, 'shipping', 'create')).toHaveLength(1);
  });

  it('cancels a delivery that is retrying and undoes what succeeded', async () => {
    system.targets.setFault('shipping', 'create', { status: 503, retryAfter: '60' });
    const id = system.newId();
    await system.client.start({ id, targets: both, payload: {} });
    await untilAnswered(
      () =>
        (of(id, 'shipping', 'create').length > 0 &&
          of(id, 'inventory', 'create')[0]?.status === 201) ||
        undefined,
      'both legs tried',
    );
    await system.client.cancel(id, 'test');
    const state = await system.client.result(id);

    expect(state.status).toBe('cancelled');
    expect(of(id, 'inventory', 'undo')).toHaveLength(1);
  });

  it('parks a delivery whose undo fails, then retries it, and resolves another by hand', async () => {
    system.targets.setFault('inventory', 'undo', { status: 500, times: 4 });
    system.targets.setFault('shipping', 'create', { status: 422, times: 2 });
    const retried = system.newId('retried');
    const resolved = system.newId('resolved');
    await system.client.start({ id: retried, targets: both, payload: {} });
    await system.client.start({ id: resolved, targets: both, payload: {} });
    await system.client.waitFor(retried, ['needs_attention']);
    await system.client.waitFor(resolved, ['needs_attention']);

    // Visibility on PostgreSQL finds both by TandemStatus (eventually consistent: poll).
    await untilAnswered(async () => {
      const parked = (await system.client.list({ status: 'needs_attention' })).map((d) => d.id);
      return parked.includes(retried) && parked.includes(resolved) ? true : undefined;
    }, 'both parked deliveries listed by TandemStatus');

    await system.client.retry(retried);
    expect((await system.client.result(retried)).status).toBe('compensated');
    await system.client.resolve(resolved, 'released the reservation by hand');
    expect((await system.client.result(resolved)).status).toBe('resolved');
    await untilAnswered(async () => {
      const done = (await system.client.list({ status: 'resolved' })).map((d) => d.id);
      return done.includes(resolved) ? true : undefined;
    }, 'the resolved delivery listed as resolved');
  });

  it("keeps the target's secret out of the run's history", async () => {
    const id = system.newId();
    await system.client.start({ id, targets: both, payload: {} });
    await system.client.result(id);

    expect(of(id, 'inventory', 'create')[0]!.headers.authorization).toBe(
      `Bearer ${INVENTORY_TOKEN}`,
    );
    const history = await system.connection.workflowService.getWorkflowExecutionHistory({
      namespace: inject('cluster').namespace,
      execution: { workflowId: `delivery-${id}` },
    });
    const text = JSON.stringify(history.history);
    expect(text.length).toBeGreaterThan(1000);
    expect(text).not.toContain(INVENTORY_TOKEN);
  });

  it('answers tandem status over mTLS from the CLI', async () => {
    const id = system.newId();
    await system.client.start({ id, targets: both, payload: {} });
    await system.client.result(id);
    const cli = spawnTandem(['status', id, '--json'], {
      TANDEM_CONFIG: await system.writeConfigFile(),
    });
    const { code, stdout, stderr } = await cli.exited;

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ id, status: 'completed' });
  });
});

describe("the cluster's own gateway and worker processes", () => {
  it('deliver a request made over HTTP, through mTLS to the frontend', async () => {
    const { gatewayUrl, gatewayKey } = inject('cluster');
    const id = `gw-${Date.now()}`;
    const headers = { authorization: `Bearer ${gatewayKey}`, 'content-type': 'application/json' };
    const started = await fetch(`${gatewayUrl}/v1/deliveries`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id, targets: both, payload: { sku: 'A-1' } }),
    });
    expect(started.status).toBe(202);
    const delivered = await untilAnswered(async () => {
      const answer = await fetch(`${gatewayUrl}/v1/deliveries/${id}`, { headers });
      const body = (await answer.json()) as { status?: string };
      return body.status === 'completed' ? body : undefined;
    }, 'the delivery completed');
    expect(delivered).toMatchObject({ id, status: 'completed' });
  });

  it('send their traces to the Jaeger started beside them: one trace from the request to each attempt', async () => {
    const { gatewayUrl, gatewayKey, tracesUrl } = inject('cluster');
    const traceId = randomBytes(16).toString('hex');
    const started = await fetch(`${gatewayUrl}/v1/deliveries`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${gatewayKey}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({ id: `traced-${Date.now()}`, targets: both, payload: {} }),
    });
    expect(started.status).toBe(202);

    const spans = await queryTrace(tracesUrl, traceId, (found) =>
      both.every((target) =>
        found.some((s) => s.name === 'tandem.attempt' && s.attributes['tandem.target'] === target),
      ),
    );
    const services = (name: string) => spans.filter((s) => s.name === name).map((s) => s.service);
    expect(services('POST /v1/deliveries')).toEqual(['tandem-gateway']);
    expect(services('RunWorkflow:delivery')).toEqual(['tandem-worker']);
    expect(services('tandem.attempt')).toEqual(['tandem-worker', 'tandem-worker']);
  });
});
