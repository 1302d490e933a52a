import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startGatewaySystem, type GatewaySystem } from '../support/gateway';
import { expectProblem } from '../support/problems';
import { until } from '../support/wait';

const READ_KEY = 'read-only-key-0123456789';

describe('POST /v1/deliveries/batch and GET /v1/batches/{id}', () => {
  let system: GatewaySystem;

  beforeAll(async () => {
    system = await startGatewaySystem({
      apiKeys: [
        { name: 'ops', key: API_KEY, scopes: ['read', 'operate', 'deliver'] },
        { name: 'reader', key: READ_KEY, scopes: ['read'] },
      ],
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  const bulk = (json: unknown, key?: string) =>
    system.http('POST', '/v1/deliveries/batch', { json, ...(key !== undefined && { key }) });

  it('answers each bad field with 400 naming it, and a read-only key with 403', async () => {
    const cases: [unknown, string][] = [
      [{ action: 'pause', all: true }, 'action'],
      [{ action: 'retry' }, 'all'],
      [{ action: 'retry', status: 'running' }, 'status'],
      [{ action: 'retry', target: 'shipping" OR TandemStatus != "x' }, 'target'],
      [{ action: 'retry', since: 'yesterday' }, 'since'],
      [{ action: 'retry', all: 'yes' }, 'all'],
      [{ action: 'resolve', all: true }, 'note'],
      [{ action: 'retry', all: true, limit: 5 }, 'limit'],
    ];
    for (const [body, field] of cases) {
      const problem = expectProblem(await bulk(body), 400, 'invalid-request');
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(field);
    }

    const forbidden = await bulk({ action: 'retry', all: true }, READ_KEY);
    expect(expectProblem(forbidden, 403, 'forbidden')).toMatchObject({ missingScope: 'operate' });
    const unknown = await system.http('GET', '/v1/batches/tandem-batch-0000', { key: READ_KEY });
    expectProblem(unknown, 404, 'batch-not-found');
  });

  it('starts a bulk resolve as one batch, answered 202 with where to follow it, each delivery keeping the batch and the key', async () => {
    system.targets.setFault('inventory', 'create', { hang: true });
    system.targets.setFault('shipping', 'create', { status: 422 });
    const ids = [system.newId('parked'), system.newId('parked')];
    for (const id of ids) {
      await system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
    }
    await Promise.all(
      ids.map((id) => system.client.waitFor(id, ['needs_attention'], { timeoutMs: 60_000 })),
    );
    system.targets.clearFaults();
    const selection = { action: 'resolve', target: 'inventory', note: 'settled by hand' };
    await until(
      () => bulk({ ...selection, dryRun: true }),
      ({ body }) => body.count === 2,
      { timeoutMs: 30_000, message: ({ body }) => JSON.stringify(body) },
    );

    const started = await bulk(selection);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const batchId = started.body.batchId as string;
    expect(batchId).toMatch(/^tandem-batch-/);
    expect(started.headers.get('location')).toBe(`/v1/batches/${batchId}`);

    const ended = await until(
      () => system.http('GET', `/v1/batches/${batchId}`, { key: READ_KEY }),
      ({ body }) => body.state !== 'running',
      { timeoutMs: 60_000, message: ({ body }) => JSON.stringify(body) },
    );
    expect(ended.body).toMatchObject({ state: 'completed', done: 2, failed: 0, by: 'key:ops' });
    for (const id of ids) {
      const state = await system.until(id, (s) => s.status === 'resolved');
      expect(state.actions).toEqual([
        expect.objectContaining({ action: 'resolve', batch: batchId, by: 'key:ops' }),
      ]);
    }
  });
});
