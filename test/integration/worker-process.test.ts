import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnProcess, spawnTandem, type SpawnedProcess } from '../support/processes';
import { INVENTORY_TOKEN, startSystem, type System } from '../support/system';

describe('the worker process', () => {
  let system: System;
  const workers: SpawnedProcess[] = [];
  afterEach(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await system.stop();
  });

  async function startWorker(configPath: string): Promise<SpawnedProcess> {
    const worker = spawnTandem(['worker'], {
      TANDEM_CONFIG: configPath,
      INVENTORY_TOKEN,
    });
    workers.push(worker);
    await worker.waitForOutput('tandem worker: polling');
    return worker;
  }

  it('killed mid-delivery is replaced by a new worker that finishes it, and the target acts once', async () => {
    // Without a cache of runs every workflow task goes to the shared queue, so the new worker
    // takes the run's next task at once rather than after the dead worker's sticky queue times
    // out (10 s, Temporal's failover, not Tandem's).
    system = await startSystem((doc) => Object.assign(doc, { worker: { cachedRuns: 0 } }), {
      workers: false,
    });
    const { client, targets } = system;
    const configPath = await system.writeConfigFile();
    // Inventory acts at once but answers late: the worker is killed while the answer is due.
    targets.setFault('inventory', 'create', { latencyMs: 4000, times: 1 });
    const first = await startWorker(configPath);
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1' } });
    await targets.waitFor((r) => r.api === 'inventory' && r.operation === 'create');
    first.child.kill('SIGKILL');
    expect((await first.exited).code).toBeNull();
    await startWorker(configPath);
    const state = await client.result(id);

    expect(state.status).toBe('completed');
    expect(state.legs[0]).toMatchObject({ target: 'inventory', status: 'succeeded' });
    expect(state.legs[0]!.attempts).toBeGreaterThanOrEqual(2);
    const sends = targets.received('inventory', 'create');
    expect(sends.length).toBe(state.legs[0]!.attempts);
    expect(new Set(sends.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set([`${id}:inventory`]),
    );
    expect(sends.slice(1).every((r) => r.outcome === 'replayed')).toBe(true);
    expect(targets.live('inventory')).toHaveLength(1);
  }, 120_000);

  it('stops on SIGTERM only after its in-flight attempts have finished', async () => {
    system = await startSystem(() => undefined, { workers: false });
    const { client, targets } = system;
    const configPath = await system.writeConfigFile();
    targets.setFault('inventory', 'create', { latencyMs: 2000 });
    const worker = await startWorker(configPath);
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
    await targets.waitFor((r) => r.api === 'inventory' && r.operation === 'create');
    worker.child.kill('SIGTERM');
    const { code } = await worker.exited;

    expect(code).toBe(0);
    // The answer reached the worker before it exited, so the attempt completed there.
    const [sent] = targets.received('inventory', 'create');
    expect(sent!.status).toBe(201);
    await startWorker(configPath);
    const state = await client.result(id);
    expect(state.status).toBe('completed');
    expect(state.legs[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(targets.received('inventory', 'create')).toHaveLength(1);
  }, 120_000);

  it('serves one version per build: the first is made current, another says how to promote it, and --promote does', async () => {
    system = await startSystem(() => undefined, { workers: false });
    const configPath = await system.writeConfigFile();
    const deployment = system.config.temporal.deployment.name;
    const spawn = (args: string[], env: Record<string, string> = {}) => {
      const worker = spawnTandem(['worker', ...args], {
        TANDEM_CONFIG: configPath,
        INVENTORY_TOKEN,
        ...env,
      });
      workers.push(worker);
      return worker;
    };

    // The refused one exits before it reaches Temporal, so it may start beside the first.
    const [refused, first] = await Promise.all([
      spawn([], { TANDEM_BUILD_ID: 'v 2' }).exited,
      spawn([]).waitForOutput('tandem worker: polling'),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TANDEM_BUILD_ID: must be');

    const built = /serving (\S+), the current version \(promoted now\)/.exec(first)?.[1];
    expect(built).toMatch(new RegExp(`^${deployment}\\.[0-9a-f]{12}$`));

    const second = await spawn([], { TANDEM_BUILD_ID: 'v2' }).waitForOutput(
      'tandem worker: polling',
    );
    expect(second).toContain(`serving ${deployment}.v2; the current version is ${built}`);
    expect(second).toContain(`--deployment-name ${deployment} --build-id v2`);

    const third = await spawn(['--promote'], { TANDEM_BUILD_ID: 'v2' }).waitForOutput(
      'tandem worker: polling',
    );
    expect(third).toContain(`serving ${deployment}.v2, the current version (promoted now)`);
  }, 180_000);
});

/**
 * Runs `require(module)` in a Node process with tsx, `argv` as its command line, and reports on
 * exit how many files of @temporalio/testing it had loaded.
 */
function modulesOfTestingLoadedBy(
  module: string,
  argv: string[],
  env: Record<string, string> = {},
): { process: SpawnedProcess; count: Promise<number> } {
  const marker = 'testing modules loaded: ';
  const probe = [
    `process.on('exit', () => process.stderr.write('\\n${marker}' + Object.keys(require.cache)`,
    `.filter((file) => file.includes(${JSON.stringify(`@temporalio${path.sep}testing`)})).length + '\\n'));`,
    `process.argv.splice(1, 0, ${JSON.stringify(module)});`,
    `require(${JSON.stringify(module)});`,
  ].join('');
  const spawned = spawnProcess(process.execPath, ['--import', 'tsx', '-e', probe, ...argv], {
    env,
  });
  const count = spawned.exited.then(({ stderr }) => {
    const line = stderr.split('\n').find((l) => l.startsWith(marker));
    if (line === undefined) throw new Error(`The probe reported nothing; stderr: ${stderr}`);
    return Number(line.slice(marker.length));
  });
  return { process: spawned, count };
}

describe('the worker command', () => {
  let system: System | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('runs without loading @temporalio/testing, which only tandem dev needs', async () => {
    system = await startSystem(() => undefined, { workers: false });
    const worker = modulesOfTestingLoadedBy('./src/cli/main.ts', ['worker'], {
      TANDEM_CONFIG: await system.writeConfigFile(),
      INVENTORY_TOKEN,
    });
    // The probe does see the package when a module loads it.
    const loader = modulesOfTestingLoadedBy('./src/dev/temporal-server.ts', []);
    await worker.process.waitForOutput('tandem worker: polling');
    worker.process.kill('SIGTERM');

    expect(await worker.count).toBe(0);
    expect(await loader.count).toBeGreaterThan(0);
  }, 120_000);
});
