import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, ResourceBasedController, Worker } from '@temporalio/worker';
import { describe, expect, inject, it, vi } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import type { TandemConfig } from '../../src/contract/config/schema';
import { workflowIdFor } from '../../src/contract/contracts';
import { startSystem, withWorkers } from '../support/system';

const { EventType, TaskQueueKind } = temporal.api.enums.v1;

/**
 * Runs one delivery on workers made from the system's config with `worker` set as given, and
 * returns the kind of task queue each of its workflow tasks was scheduled on.
 */
async function workflowTaskQueues(worker: TandemConfig['worker']) {
  const system = await startSystem(() => undefined, { workers: false });
  const config = parseConfig({ ...system.document, ...(worker && { worker }) }, 'test config');
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  try {
    const id = system.newId();
    await withWorkers(config, connection, async () => {
      await system.client.start({ id, targets: ['inventory', 'shipping'], payload: { n: 1 } });
      expect((await system.client.result(id)).status).toBe('completed');
    });
    const history = await new Client({ connection: system.connection }).workflow
      .getHandle(workflowIdFor(id))
      .fetchHistory();
    return (history.events ?? [])
      .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
      .map((e) => e.workflowTaskScheduledEventAttributes!.taskQueue!.kind);
  } finally {
    await connection.close();
    await system.stop();
  }
}

describe('worker.cachedRuns', () => {
  it('keeps runs in the worker between their tasks by default: later tasks go to its sticky queue', async () => {
    const kinds = await workflowTaskQueues(undefined);
    expect(kinds[0]).toBe(TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
    expect(kinds.slice(1)).toContain(TaskQueueKind.TASK_QUEUE_KIND_STICKY);
  });

  it('with 0 keeps no run: every task goes to the shared queue and replays the history', async () => {
    const kinds = await workflowTaskQueues({ cachedRuns: 0 });
    expect(kinds.length).toBeGreaterThan(1);
    expect(new Set(kinds)).toEqual(new Set([TaskQueueKind.TASK_QUEUE_KIND_NORMAL]));
  });
});

describe('worker.tuner', () => {
  it('sizes every worker of the process by one resource-based tuner, and delivers', async () => {
    const create = vi.spyOn(Worker, 'create');
    try {
      await workflowTaskQueues({ tuner: { targetCpu: 0.9, targetMemory: 0.9 } });
      const options = create.mock.calls.map(([worker]) => worker);
      // The workflow worker and one per bulkheaded target, all on one controller, no fixed count.
      expect(options.length).toBeGreaterThan(1);
      const controllers = new Set(
        options.map((worker) => (worker.tuner as { controller?: unknown } | undefined)?.controller),
      );
      expect(controllers.size).toBe(1);
      expect([...controllers][0]).toBeInstanceOf(ResourceBasedController);
      for (const worker of options) {
        expect(worker.maxConcurrentActivityTaskExecutions).toBeUndefined();
        expect(worker.maxConcurrentWorkflowTaskExecutions).toBeUndefined();
      }
    } finally {
      create.mockRestore();
    }
  });
});
