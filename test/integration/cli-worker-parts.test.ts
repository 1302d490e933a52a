import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnTandem, type SpawnedProcess } from '../support/processes';
import { INVENTORY_TOKEN, startSystem, type System } from '../support/system';

/** The queues a worker's `polling …` line names. */
function polledQueues(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.includes('tandem worker: polling'));
  const fields = JSON.parse(line!) as { task_queues: string[] };
  return fields.task_queues;
}

describe('tandem worker, run by part', () => {
  let system: System;
  let configPath: string;
  const workers: SpawnedProcess[] = [];

  beforeAll(async () => {
    system = await startSystem(() => undefined, { workers: false });
    configPath = await system.writeConfigFile();
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await system.stop();
  });

  async function startWorker(args: string[]): Promise<string[]> {
    const worker = spawnTandem(['worker', ...args], {
      TANDEM_CONFIG: configPath,
      INVENTORY_TOKEN,
    });
    workers.push(worker);
    return polledQueues(await worker.waitForOutput('tandem worker: polling', 60_000));
  }

  it('polls only its part, and a workflow worker plus one worker per target group complete a delivery together', async () => {
    const queue = system.config.temporal.taskQueue;
    const [workflows, inventory, shipping] = await Promise.all([
      startWorker(['--workflows']),
      startWorker(['--targets', 'inventory']),
      startWorker(['--targets', 'shipping', '--workflows']),
    ]);

    expect(workflows).toEqual([queue]);
    expect(inventory).toEqual([`${queue}.inventory`]);
    expect(shipping).toEqual([queue, `${queue}.shipping`]);
    const id = system.newId();
    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
    expect((await system.client.result(id)).status).toBe('completed');
  }, 120_000);

  it('refuses a target the config does not declare with exit 2, naming it, and starts nothing', async () => {
    const { code, stdout, stderr } = await spawnTandem(
      ['worker', '--targets', 'inventory,billing'],
      { TANDEM_CONFIG: configPath },
    ).exited;

    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^tandem: --targets: unknown target "billing"; .*Nothing was started\.$/,
      ),
    ]);
    expect(stdout).not.toContain('polling');
  });
});
