import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import { workflowIdFor } from '../../src/contract/contracts';
import { startSystem, withWorkers } from '../support/system';

const { EventType, TaskQueueKind } = temporal.api.enums.v1;

/**
 * Runs one delivery on workers made from the system's config with `worker` set as given, and
 * returns the kind of task queue each of its workflow tasks was scheduled on.
 */
async function workflowTaskQueues(worker: { cachedRuns?: number } | undefined) {
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
