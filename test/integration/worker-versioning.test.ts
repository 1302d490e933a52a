import { readFile } from 'node:fs/promises';
import { Client } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { workflowIdFor } from '../../src/contract/contracts';
import { createWorkers, type TandemWorkers } from '../../src/worker/worker';
import { buildIdOf, promoteCommand } from '../../src/worker/worker-version';
import { answerJson, startHttpTarget, type HttpTarget } from '../support/http-target';
import { stockCommand } from '../support/stock-cli';
import { INVENTORY_TOKEN, startSystem, type System } from '../support/system';
import { until } from '../support/wait';

const PINNED = temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED;

/** What the server recorded of the versions a run ran on. */
interface RunVersions {
  /** From describe: the version the run is pinned to, and how. */
  pinnedTo: WorkerDeploymentVersion | undefined;
  behavior: number | undefined;
  /** Build id of every completed workflow task, in history order. */
  workflowTasks: string[];
  /** Identity of the worker that started each activity, in history order. */
  activities: string[];
}

async function versionsOf(system: System, id: string): Promise<RunVersions> {
  const handle = new Client({ connection: system.connection }).workflow.getHandle(
    workflowIdFor(id),
  );
  const { raw } = await handle.describe();
  const info = raw.workflowExecutionInfo?.versioningInfo;
  const events = (await handle.fetchHistory()).events ?? [];
  const version = info?.deploymentVersion;
  return {
    pinnedTo: version
      ? { deploymentName: version.deploymentName ?? '', buildId: version.buildId ?? '' }
      : undefined,
    behavior: info?.behavior ?? undefined,
    workflowTasks: events.flatMap((event) => {
      const completed = event.workflowTaskCompletedEventAttributes;
      return completed ? [completed.deploymentVersion?.buildId ?? '(none)'] : [];
    }),
    activities: events.flatMap((event) => {
      const started = event.activityTaskStartedEventAttributes;
      return started ? [started.identity ?? ''] : [];
    }),
  };
}

describe('a workflow change shipped as a new worker version', () => {
  let system: System | undefined;
  let target: HttpTarget | undefined;
  const running: { workers: TandemWorkers; done: Promise<void> }[] = [];
  afterEach(async () => {
    for (const { workers, done } of running.splice(0)) {
      workers.shutdown();
      await done;
    }
    await target?.close();
    await system?.stop();
  });

  it('finishes a running delivery on the version that started it while new deliveries start on the new current version', async () => {
    // Inventory holds the first attempt of the held delivery until the test releases it, then
    // answers 503: its second attempt is scheduled after the new version became current.
    let heldId = '';
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    target = await startHttpTarget((request, res) => {
      const delivery = String(request.headers['x-tandem-delivery']);
      if (delivery === heldId && request.headers['x-tandem-attempt'] === '1') {
        void released.then(() => answerJson(res, 503, '{"error":"busy"}'));
      } else {
        answerJson(res, 201, JSON.stringify({ id: `r-${delivery}` }));
      }
    });
    const url = `${target.url}/reservations`;
    system = await startSystem(
      (doc) => {
        doc.targets.inventory.request.url = url;
        doc.targets.inventory.request.timeout = '60s';
        doc.targets.inventory.compensate.url = `${url}/{{response.body.id}}`;
      },
      { workers: false },
    );
    const { client } = system;
    const live = system;
    const bundle = await readFile(inject('workflowBundlePath'), 'utf8');
    // Each as `tandem worker` starts them: made current only when the deployment has none.
    const startVersion = async (code: string, identity: string) => {
      const workers = await createWorkers({
        config: live.config,
        connection: live.nativeConnection,
        env: { INVENTORY_TOKEN },
        workflowBundle: { code },
        workerOptions: { identity, maxCachedWorkflows: 0 },
      });
      running.push({ workers, done: workers.run() });
      return workers;
    };

    const a = await startVersion(bundle, 'worker-of-a');
    expect(a.version).toEqual({
      deploymentName: system.config.temporal.deployment.name,
      buildId: buildIdOf(bundle),
    });
    // A fresh deployment has no current version: the first worker's becomes current.
    expect(await a.ready).toEqual({
      serving: a.version,
      current: a.version,
      promoted: true,
    });
    heldId = system.newId('held');
    await client.start({ id: heldId, targets: ['inventory', 'shipping'], payload: { n: 1 } });
    await until(
      () => target!.received.filter((r) => r.headers['x-tandem-delivery'] === heldId).length,
      (n) => n === 1,
      { message: () => `the held delivery's first inventory attempt never arrived` },
    );

    // The changed workflow code (a comment is enough) is a new build id, so a new version. It
    // goes before the inline source map, which must stay the bundle's last line.
    const map = bundle.lastIndexOf('//# sourceMappingURL=');
    const b = await startVersion(
      `${bundle.slice(0, map)}// changed\n${bundle.slice(map)}`,
      'worker-of-b',
    );
    expect(b.version.buildId).not.toBe(a.version.buildId);
    expect(await b.ready).toEqual({ serving: b.version, current: a.version, promoted: false });
    // The operator promotes B with the command its worker prints.
    await stockCommand(promoteCommand(b.version, system.config.temporal));

    const newId = system.newId('new');
    await client.start({ id: newId, targets: ['inventory', 'shipping'], payload: { n: 2 } });
    expect((await client.result(newId)).status).toBe('completed');
    release();
    const held = await client.result(heldId);
    expect(held.status).toBe('completed');
    expect(held.legs.find((leg) => leg.target === 'inventory')?.attempts).toBe(2);

    const onA = await versionsOf(system, heldId);
    expect(onA.pinnedTo).toEqual(a.version);
    expect(onA.behavior).toBe(PINNED);
    expect(onA.workflowTasks.length).toBeGreaterThan(1);
    expect(new Set(onA.workflowTasks)).toEqual(new Set([a.version.buildId]));
    // Both inventory attempts and the shipping attempt ran on version A's workers.
    expect(onA.activities).toEqual(['worker-of-a', 'worker-of-a', 'worker-of-a']);

    const onB = await versionsOf(system, newId);
    expect(onB.pinnedTo).toEqual(b.version);
    expect(onB.behavior).toBe(PINNED);
    expect(new Set(onB.workflowTasks)).toEqual(new Set([b.version.buildId]));
    expect(onB.activities).toEqual(['worker-of-b', 'worker-of-b']);
  }, 120_000);
});
