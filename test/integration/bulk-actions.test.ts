import { userInfo } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BulkAction } from '../../src/client/client';
import { spawnTandem } from '../support/processes';
import { startSystem, type System } from '../support/system';
import { until } from '../support/wait';

/** How many deliveries each bulk retry acts on: enough for a batch that takes a while. */
const PARKED = 40;

describe('bulk actions over a query, as Temporal batch operations', () => {
  let system: System;
  let configPath: string;

  beforeAll(async () => {
    system = await startSystem((doc) => {
      // A hanging inventory answer is given up after 1 s, so deliveries park in seconds.
      doc.targets.inventory.request.timeout = '1s';
    });
    configPath = await system.writeConfigFile();
  });
  afterEach(() => system.targets.clearFaults());
  afterAll(async () => {
    await system.stop();
  });

  const tandem = (args: string[]) => spawnTandem(args, { TANDEM_CONFIG: configPath });
  const bulkSelection = { selection: { status: 'needs_attention' } };
  const selected = (action: BulkAction = 'retry') => system.client.countBulk(action, bulkSelection);

  /**
   * Parks `n` deliveries as needs_attention ("outcome unknown": inventory's answer never came,
   * shipping refused), waits until the visibility store lists them all, then clears the faults.
   */
  async function parkMany(n: number): Promise<string[]> {
    system.targets.setFault('inventory', 'create', { hang: true });
    system.targets.setFault('shipping', 'create', { status: 422 });
    const ids = Array.from({ length: n }, () => system.newId('parked'));
    await Promise.all(
      ids.map((id) =>
        system.client.start({ id, targets: ['inventory', 'shipping'], payload: { id } }),
      ),
    );
    await Promise.all(
      ids.map((id) => system.client.waitFor(id, ['needs_attention'], { timeoutMs: 60_000 })),
    );
    system.targets.clearFaults();
    await until(selected, ({ count }) => count === n, {
      timeoutMs: 30_000,
      message: ({ count }) => `${count} of ${n} parked deliveries visible`,
    });
    return ids;
  }

  /** The requests each delivery's legs made, by outcome, from the demo targets' log. */
  function sent(id: string) {
    const of = (api: 'inventory' | 'shipping', operation: 'create' | 'undo') =>
      system.targets
        .received(api, operation)
        .filter((r) => r.headers['x-tandem-delivery'] === id)
        .map((r) => r.outcome);
    return { create: of('inventory', 'create'), undo: of('inventory', 'undo') };
  }

  /** Each run ended compensated, kept one retry naming `batchId` and `by`, and sent nothing twice. */
  async function expectRetriedOnce(ids: string[], batchId: string) {
    const by = userInfo().username;
    for (const id of ids) {
      const state = await system.client.waitFor(id, ['compensated'], { timeoutMs: 60_000 });
      const retries = (state.actions ?? []).filter((a) => a.action === 'retry');
      expect(retries, id).toEqual([
        expect.objectContaining({ via: 'signal', batch: batchId, by, claimedBy: by }),
      ]);
      // The first create was acted on but never answered; the retry's re-send (same
      // Idempotency-Key) is answered from it; the reservation is undone once.
      expect(sent(id), id).toEqual({ create: ['processed', 'replayed'], undo: ['processed'] });
    }
  }

  it('retries every parked delivery the query selects in one batch, following its progress, each run keeping the batch id and who started it', async () => {
    const ids = await parkMany(PARKED);

    const run = tandem(['retry', '--status', 'needs_attention']);
    const { code, stdout, stderr } = await run.exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const batchId = /Bulk retry (tandem-batch-[0-9a-f-]+) started on 40 deliveries/.exec(
      stdout,
    )?.[1];
    expect(batchId, stdout).toBeDefined();
    expect(stdout).toContain('TandemStatus IN ("needs_attention")');
    // Not a terminal: each change of the counts is a line of its own, the last one the end.
    const progress = stdout.split('\n').filter((line) => line.startsWith(`${batchId}: `));
    expect(progress.at(-1)).toBe(`${batchId}: completed, 40 done / 0 failed / 40 total`);

    await expectRetriedOnce(ids, batchId!);
    const batch = await system.client.batch(batchId!);
    expect(batch).toMatchObject({ state: 'completed', by: userInfo().username, done: PARKED });
  });

  it('goes on when the CLI is killed while following it: the batch finishes, and each run is retried exactly once', async () => {
    const ids = await parkMany(PARKED);

    const run = tandem(['retry', '--status', 'needs_attention']);
    const shown = await run.waitForOutput('Query: ');
    run.kill('SIGKILL');
    expect((await run.exited).code).toBeNull();
    const batchId = /Bulk retry (tandem-batch-[0-9a-f-]+) started/.exec(shown)?.[1];
    expect(batchId, shown).toBeDefined();

    const status = await until(
      async () =>
        JSON.parse((await tandem(['batch', 'status', batchId!, '--json']).exited).stdout) as {
          state: string;
        },
      (batch) => batch.state !== 'running',
      { timeoutMs: 60_000, intervalMs: 500, message: (batch) => JSON.stringify(batch) },
    );
    expect(status).toMatchObject({ id: batchId, state: 'completed', done: PARKED, failed: 0 });
    await expectRetriedOnce(ids, batchId!);
  });

  it('counts with --dry-run and prints the query, starting nothing', async () => {
    const ids = await parkMany(2);

    const { code, stdout } = await tandem([
      'retry',
      '--status',
      'needs_attention',
      '--since',
      '1h',
      '--dry-run',
    ]).exited;
    expect(code).toBe(0);
    expect(stdout).toContain('Dry run: retry would act on 2 deliveries; nothing was started.');
    expect(stdout).toMatch(/Query: .*StartTime >= "\d{4}-\d\d-\d\dT/);

    // Nothing was sent: both stay parked, with no action kept; a real retry then takes both.
    for (const id of ids) {
      const state = await system.client.status(id);
      expect(state).toMatchObject({ status: 'needs_attention' });
      expect(state.actions ?? []).toEqual([]);
    }
    const resolve = await tandem([
      'resolve',
      '--target',
      'shipping',
      '--note',
      'settled by hand',
      '--no-wait',
    ]).exited;
    expect(resolve.code).toBe(0);
    expect(resolve.stdout).toMatch(/Follow it: tandem batch status tandem-batch-/);
    for (const id of ids) {
      const state = await system.client.waitFor(id, ['resolved'], { timeoutMs: 30_000 });
      expect(state.actions).toEqual([
        expect.objectContaining({ action: 'resolve', note: 'settled by hand' }),
      ]);
    }
  });

  it("cancels every running delivery to a target with Temporal's cancel request: each stops, undoes what succeeded and ends cancelled", async () => {
    // Shipping asks to be called again in a minute: the deliveries are running when cancelled.
    system.targets.setFault('shipping', 'create', { status: 503, retryAfter: '60' });
    const ids = [system.newId('running'), system.newId('running')];
    for (const id of ids) {
      await system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
    }
    await until(
      () => system.client.countBulk('cancel', { selection: { target: 'shipping' } }),
      ({ count }) => count === ids.length,
      { timeoutMs: 30_000, message: ({ count }) => `${count} running deliveries visible` },
    );

    const run = await tandem(['cancel', '--target', 'shipping', '--reason', 'shipping outage'])
      .exited;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const batchId = /Bulk cancel (tandem-batch-[0-9a-f-]+) started on 2 deliveries/.exec(
      run.stdout,
    )?.[1];
    expect(batchId, run.stdout).toBeDefined();
    for (const id of ids) {
      const state = await system.client.waitFor(id, ['cancelled'], { timeoutMs: 30_000 });
      expect(state.legs.find((leg) => leg.target === 'inventory')?.status).toBe('compensated');
    }
    // Who started it and why are the batch's: Temporal's batch cancel carries neither to the run.
    expect(await system.client.batch(batchId!)).toMatchObject({
      operation: 'cancel',
      by: userInfo().username,
      reason: `tandem cancel by ${userInfo().username}: shipping outage`,
    });
  });

  it('refuses an unbounded selection without --all, a target that is not a target name, and an id with selection flags', async () => {
    const [unbounded, injected, both] = await Promise.all([
      tandem(['retry']).exited,
      tandem(['cancel', '--target', 'shipping" OR WorkflowType = "other']).exited,
      tandem(['retry', 'order-1', '--status', 'needs_attention']).exited,
    ]);
    expect(unbounded.code).toBe(2);
    expect(unbounded.stderr).toMatch(
      /^tandem: Bulk retry: all: nothing narrows the selection.*say all/,
    );
    expect(injected.code).toBe(2);
    expect(injected.stderr).toMatch(/^tandem: Bulk cancel: target: must be a target name/);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/takes a delivery id or selection flags \(--status\), not both/);
  });
});
