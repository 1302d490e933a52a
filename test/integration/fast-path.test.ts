import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { TandemClient } from '../../src/client/client';
import { parseConfig } from '../../src/contract/config/load';
import { targetTaskQueue, workflowIdFor } from '../../src/contract/contracts';
import { demoConfigDocument } from '../../src/demo/config';
import { createGateway } from '../../src/gateway/server';
import { startSystem, withWorkers, type System } from '../support/system';

const { EventType } = temporal.api.enums.v1;

async function events(system: System, id: string) {
  const handle = new Client({ connection: system.connection }).workflow.getHandle(
    workflowIdFor(id),
  );
  return (await handle.fetchHistory()).events ?? [];
}

/** The task queue each target's attempts were scheduled on, from the run's history. */
async function attemptQueues(system: System, id: string): Promise<Record<string, string>> {
  const queues: Record<string, string> = {};
  for (const event of await events(system, id)) {
    if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) continue;
    const attributes = event.activityTaskScheduledEventAttributes!;
    const input = attributes.input?.payloads?.[0]?.data;
    const { target } = JSON.parse(Buffer.from(input!).toString('utf8')) as { target: string };
    queues[target] = attributes.taskQueue!.name!;
  }
  return queues;
}

describe('config: bulkhead', () => {
  const doc = () => demoConfigDocument({ targetsUrl: 'http://127.0.0.1:1', address: 'x:1' });

  it('keeps every target behind its own bulkhead unless it says otherwise', () => {
    const config = parseConfig(doc(), 'test');
    expect(Object.values(config.targets).map((t) => t.bulkhead)).toEqual([true, true]);
  });

  it('refuses a bulkhead that is not true or false, naming the field', () => {
    const bad = doc();
    Object.assign(bad.targets.shipping, { bulkhead: 'no' });
    expect(() => parseConfig(bad, 'test')).toThrow(/targets\.shipping\.bulkhead.*true or false/s);
  });
});

describe('the fast path', () => {
  it("runs a target with bulkhead: false on the workflow's task queue, and a bulkheaded one on its own", async () => {
    const system = await startSystem((doc) => {
      Object.assign(doc.targets.shipping, { bulkhead: false });
    });
    try {
      const id = system.newId();
      await system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });

      expect((await system.client.result(id)).status).toBe('completed');
      const taskQueue = system.config.temporal.taskQueue;
      expect(await attemptQueues(system, id)).toEqual({
        inventory: targetTaskQueue(taskQueue, 'inventory'),
        shipping: taskQueue,
      });
      expect(system.targets.received('shipping', 'create')).toHaveLength(1);
    } finally {
      await system.stop();
    }
  });

  it("hands a run's first workflow task straight to the workers hosted beside the client, and not to a plain client's", async () => {
    // The local system hosts workers, so its client starts eagerly over their connection.
    const system = await startSystem();
    const plain = await TandemClient.connect(system.config, system.connection);
    try {
      const [fast, slow] = [system.newId(), system.newId()];
      await system.client.start({ id: fast, targets: ['inventory', 'shipping'], payload: {} });
      await plain.start({ id: slow, targets: ['inventory', 'shipping'], payload: {} });

      expect((await system.client.result(fast)).status).toBe('completed');
      expect((await system.client.result(slow)).status).toBe('completed');
      const accepted = async (id: string) =>
        (await events(system, id))[0]!.workflowExecutionStartedEventAttributes!
          .eagerExecutionAccepted;
      expect(await accepted(fast)).toBe(true);
      expect(await accepted(slow)).toBe(false);
    } finally {
      await system.stop();
    }
  });

  it('hands the first workflow task of a gateway start straight to the workers in its process, as tandem dev runs it', async () => {
    const system = await startSystem();
    const key = 'fast-path-key-0123456789';
    const gateway = await createGateway({
      config: system.config,
      ...system.starts,
      apiKeys: [key],
    });
    try {
      const url = await gateway.listen({ host: '127.0.0.1', port: 0 });
      const id = system.newId();
      const answer = await fetch(`${url}/v1/deliveries`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, targets: ['inventory', 'shipping'], payload: {} }),
      });
      expect(answer.status).toBe(202);

      expect((await system.client.result(id)).status).toBe('completed');
      const [started] = await events(system, id);
      expect(started!.workflowExecutionStartedEventAttributes!.eagerExecutionAccepted).toBe(true);
    } finally {
      await gateway.close();
      await system.stop();
    }
  });

  it('sends the attempts of a run whose first task it ran without reading the payload back from history', async () => {
    const system = await startSystem(() => undefined, { workers: false });
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    let reads = 0;
    const service = connection.workflowService;
    const read = service.getWorkflowExecutionHistory.bind(service);
    service.getWorkflowExecutionHistory = Object.assign((request: Parameters<typeof read>[0]) => {
      reads += 1;
      return read(request);
    }, service.getWorkflowExecutionHistory);
    try {
      const payload = { order: 'fast-1', lines: [{ sku: 'A-1', qty: 2 }] };
      await withWorkers(system.config, connection, async () => {
        const id = system.newId();
        await system.client.start({ id, targets: ['inventory', 'shipping'], payload });
        expect((await system.client.result(id)).status).toBe('completed');
      });

      const [sent] = system.targets.received('shipping', 'create');
      expect(sent?.body).toEqual(payload);
      expect(reads).toBe(0);
    } finally {
      await connection.close();
      await system.stop();
    }
  });
});
