import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../src/contract/contracts';
import { ledger } from '../support/ledger';
import { spawnTandem, type SpawnedProcess } from '../support/processes';
import { INVENTORY_TOKEN, startSystem, type System } from '../support/system';
import { until } from '../support/wait';

describe('a paused target and its workers', () => {
  let system: System;
  const workers: SpawnedProcess[] = [];
  afterEach(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await system.stop();
  });

  it('stays paused when one of two worker processes is SIGKILLed, holding runs started after, and resumes them all once', async () => {
    // No cache of runs: the surviving worker takes every run's next task at once.
    system = await startSystem((doc) => Object.assign(doc, { worker: { cachedRuns: 0 } }), {
      workers: false,
    });
    const { client, targets } = system;
    const env = { TANDEM_CONFIG: await system.writeConfigFile(), INVENTORY_TOKEN };
    const startWorker = async () => {
      const worker = spawnTandem(['worker'], env);
      workers.push(worker);
      await worker.waitForOutput('tandem worker: polling');
      return worker;
    };
    const [first] = await Promise.all([startWorker(), startWorker()]);
    const shipping = (state: DeliveryState) => state.legs.find((l) => l.target === 'shipping')!;
    const start = async (n: number) => {
      const ids = Array.from({ length: n }, () => system.newId('crash'));
      await Promise.all(
        ids.map((id) => client.start({ id, targets: ['inventory', 'shipping'], payload: {} })),
      );
      return ids;
    };

    const paused = await spawnTandem(
      ['target', 'pause', 'shipping', '--note', 'carrier maintenance'],
      env,
    ).exited;
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('Paused target shipping (carrier maintenance)');
    const before = await start(5);
    first.child.kill('SIGKILL');
    expect((await first.exited).code).toBeNull();
    const after = await start(5);
    const ids = [...before, ...after];
    await until(
      () => Promise.all(ids.map((id) => client.status(id))),
      (all) => all.every((s) => shipping(s).held !== undefined),
      { timeoutMs: 45_000, intervalMs: 500, message: () => 'every run to hold shipping' },
    );
    const listed = await spawnTandem(['targets'], env).exited;
    expect(listed.stdout).toMatch(/shipping\s+paused/);
    expect(listed.stdout).toContain('shipping: paused by');
    expect(targets.received('shipping')).toEqual([]);

    const resumed = await spawnTandem(['target', 'resume', 'shipping'], env).exited;
    expect(resumed.code).toBe(0);
    const ended = await Promise.all(ids.map((id) => client.result(id)));
    expect(ended.filter((s) => s.status !== 'completed')).toEqual([]);
    const started = ids.map((id) => ({ id, targets: ['inventory', 'shipping'] }));
    expect(ledger(started, targets.received())).toEqual({ lost: [], doubled: [] });
  }, 180_000);
});
