import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RunPayloads, type HistoryService } from '../../src/activities/run-payloads';
import { DELIVERY_WORKFLOW, workflowIdFor, type DeliveryInput } from '../../src/contract/contracts';
import { FailureType } from '../../src/contract/failures';

describe("a run's payload, read from its start event", () => {
  let connection: Connection;
  let client: Client;
  const namespace = 'default';
  // Runs on a task queue no worker polls: only their start events matter here.
  const taskQueue = `payloads-${randomUUID()}`;

  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection, namespace });
  });
  const started: string[] = [];
  afterAll(async () => {
    await Promise.all(started.map((id) => client.workflow.getHandle(id).terminate('test over')));
    await connection.close();
  });

  async function startRun(payload: unknown) {
    const id = `payload-${randomUUID().slice(0, 8)}`;
    const input: DeliveryInput = { id, targets: ['a'], payload, legs: [] };
    const handle = await client.workflow.start(DELIVERY_WORKFLOW, {
      workflowId: workflowIdFor(id),
      taskQueue,
      args: [input],
    });
    started.push(handle.workflowId);
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  }

  /** The worker's RPC, counting the reads that reach the server. */
  function counted(): HistoryService & { reads: number } {
    const service = {
      reads: 0,
      getWorkflowExecutionHistory: ((request) => {
        service.reads += 1;
        return connection.workflowService.getWorkflowExecutionHistory(request);
      }) as HistoryService['getWorkflowExecutionHistory'],
    };
    return service;
  }

  it('reads it once per run, however many attempts ask at once, and decodes it as sent', async () => {
    const payload = { sku: 'A-1', qty: 2, note: 'ü ✓', big: 'x'.repeat(300_000) };
    const { workflowId, runId } = await startRun(payload);
    const service = counted();
    const payloads = new RunPayloads(service);

    const read = await Promise.all([1, 2, 3].map(() => payloads.of(namespace, workflowId, runId)));
    expect(read).toEqual([payload, payload, payload]);
    expect(await payloads.of(namespace, workflowId, runId)).toEqual(payload);
    expect(service.reads).toBe(1);
  });

  it('reads it again from history in a fresh cache, as a restarted worker does', async () => {
    const { workflowId, runId } = await startRun({ order: 7 });
    await new RunPayloads(counted()).of(namespace, workflowId, runId);

    const restarted = counted();
    expect(await new RunPayloads(restarted).of(namespace, workflowId, runId)).toEqual({
      order: 7,
    });
    expect(restarted.reads).toBe(1);
  });

  it('keeps at most maxRuns runs, dropping the least recently used', async () => {
    const [a, b, c] = await Promise.all([startRun('a'), startRun('b'), startRun('c')]);
    const service = counted();
    const payloads = new RunPayloads(service, { maxRuns: 2 });
    const read = (run: typeof a) => payloads.of(namespace, run.workflowId, run.runId);

    await read(a);
    await read(b);
    await read(a); // a is now the most recent: c evicts b
    await read(c);
    expect(service.reads).toBe(3);
    await read(a);
    expect(service.reads).toBe(3);
    expect(await read(b)).toBe('b');
    expect(service.reads).toBe(4);
  });

  it('keeps at most maxBytes of payloads', async () => {
    const [a, b] = await Promise.all([startRun('x'.repeat(10_000)), startRun('y'.repeat(10_000))]);
    const service = counted();
    const payloads = new RunPayloads(service, { maxBytes: 15_000 });
    const read = (run: typeof a) => payloads.of(namespace, run.workflowId, run.runId);

    await read(a);
    await read(b); // a and b do not fit together: a goes
    await read(b);
    expect(service.reads).toBe(2);
    await read(a);
    expect(service.reads).toBe(3);
  });

  it("serves a payload kept from the run's workflow task without reading history", async () => {
    const { workflowId, runId } = await startRun({ order: 11 });
    const service = counted();
    const payloads = new RunPayloads(service);
    const sent = { order: 11, lines: [{ sku: 'A-1' }] };

    payloads.keep(runId, sent);
    sent.lines.push({ sku: 'changed after' }); // a copy is kept, not the sandbox's object
    expect(await payloads.of(namespace, workflowId, runId)).toEqual({
      order: 11,
      lines: [{ sku: 'A-1' }],
    });
    expect(service.reads).toBe(0);
  });

  it('counts kept payloads against maxBytes like read ones', async () => {
    const [a, b] = await Promise.all([startRun('x'.repeat(10_000)), startRun('y'.repeat(10_000))]);
    const service = counted();
    const payloads = new RunPayloads(service, { maxBytes: 15_000 });

    payloads.keep(a.runId, 'x'.repeat(10_000));
    payloads.keep(b.runId, 'y'.repeat(10_000)); // a and b do not fit together: a goes
    expect(await payloads.of(namespace, b.workflowId, b.runId)).toBe('y'.repeat(10_000));
    expect(service.reads).toBe(0);
    expect(await payloads.of(namespace, a.workflowId, a.runId)).toBe('x'.repeat(10_000));
    expect(service.reads).toBe(1);
  });

  it('does not keep a failed read, and says the payload could not be read, as not sent', async () => {
    const { workflowId, runId } = await startRun({ order: 9 });
    let down = true;
    const service: HistoryService = {
      getWorkflowExecutionHistory: ((request) =>
        down
          ? Promise.reject(new Error('14 UNAVAILABLE: connection refused'))
          : connection.workflowService.getWorkflowExecutionHistory(
              request,
            )) as HistoryService['getWorkflowExecutionHistory'],
    };
    const payloads = new RunPayloads(service);

    const failure = await payloads.of(namespace, workflowId, runId).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      type: FailureType.PayloadUnavailable,
      nonRetryable: false,
      details: [{ outcome: 'not_sent' }],
    });
    expect((failure as Error).message).toMatch(/Could not read the payload of .*UNAVAILABLE/);

    down = false;
    expect(await payloads.of(namespace, workflowId, runId)).toEqual({ order: 9 });
  });
});
