import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { TandemClient } from '../../src/client/client';
import { parseConfig } from '../../src/contract/config/load';
import type { TandemConfig } from '../../src/contract/config/schema';
import {
  DELIVERY_WORKFLOW,
  STATE_MEMO,
  statusQuery,
  targetTaskQueue,
  workflowIdFor,
  type DeliveryState,
} from '../../src/contract/contracts';
import { awaitsCallers, readCallers, withCallers } from '../../src/client/callers';
import { planDelivery } from '../../src/client/plan';
import { startOptions } from '../../src/client/run-start';
import { ScriptedActivities } from './mock-activities';
import { discardPayloads } from './sinks';
import { installQuietRuntime } from './runtime';
import { until } from './wait';

/** A retry policy as written in the config file. */
type RetryDoc = Partial<
  Record<'initialInterval' | 'maximumInterval' | 'deadline' | 'jitter', string> &
    Record<'maximumAttempts' | 'backoffCoefficient', number>
>;

/** How a test target is configured. Its URLs are never called: the activities are mocked. */
export interface MockTarget {
  retry?: RetryDoc;
  /**
   * `needs-answer`: the undo URL reads `{{response.body.id}}`; `by-key`: it reads only the
   * idempotency key, so it can run without the answer; `none`: the target declares no undo.
   */
  compensate?: 'needs-answer' | 'by-key' | 'none';
  compensateRetry?: RetryDoc;
}

/** Short intervals so a test waits milliseconds, not the production defaults. */
const FAST_RETRY: RetryDoc = {
  initialInterval: '50ms',
  maximumInterval: '200ms',
  maximumAttempts: 5,
  deadline: '30s',
};

const UNDO_URL = {
  'needs-answer': (name: string) => `http://${name}.invalid/things/{{response.body.id}}`,
  'by-key': (name: string) => `http://${name}.invalid/things?key={{idempotencyKey}}`,
};

function configFor(targets: Record<string, MockTarget>, taskQueue: string): TandemConfig {
  const document = {
    temporal: { address: inject('temporalAddress'), namespace: 'default', taskQueue },
    targets: Object.fromEntries(
      Object.entries(targets).map(([name, target]) => {
        const undo = target.compensate ?? 'by-key';
        return [
          name,
          {
            request: { url: `http://${name}.invalid/things`, timeout: '2s' },
            retry: { ...FAST_RETRY, ...target.retry },
            ...(undo !== 'none' && {
              compensate: {
                url: UNDO_URL[undo](name),
                timeout: '2s',
                retry: { ...FAST_RETRY, ...target.compensateRetry },
              },
            }),
          },
        ];
      }),
    ),
  };
  return parseConfig(document, 'mocked test config');
}

/** The workflow on real workers and a real server, with its activities scripted by the test. */
export interface MockedDeliveries {
  client: TandemClient;
  mocks: ScriptedActivities;
  /** Starts a delivery to `targets` under a fresh id and returns the id. */
  deliver: (
    targets: string[],
    payload?: unknown,
    options?: { historyBudgetBytes?: number },
  ) => Promise<string>;
  /**
   * Polls the state as `tandem status` reads it (the memo, with no worker) until `ready` holds.
   * A run going well keeps its progress out of the memo: wait on that with {@link live}.
   */
  until: (
    id: string,
    ready: (state: DeliveryState) => boolean,
    timeoutMs?: number,
  ) => Promise<DeliveryState>;
  /** Polls the status query (live code, no caller identities) until `ready` holds. */
  live: (id: string, ready: (state: DeliveryState) => boolean) => Promise<DeliveryState>;
  /** The state the run keeps in its memo, as `describe` (with no worker) returns it. */
  memo: (id: string) => Promise<DeliveryState | undefined>;
  /** Stops the worker of one target and waits until it has stopped: no new attempt is taken. */
  stopServing: (target: string) => Promise<void>;
  /** Stops the workflow worker (no workflow task runs, no query is answered) until restarted. */
  stopWorkflows: () => Promise<void>;
  /** Starts a new workflow worker after {@link stopWorkflows}. */
  restartWorkflows: () => Promise<void>;
  /** The connection the client uses, for reading histories. */
  connection: Connection;
  /**
   * Releases held attempts, terminates the runs still open, stops the workers, and returns what
   * went wrong: workflow task failures found in the histories of the runs (a replay that broke
   * shows here), and runs whose memo is not their final (or parked) state.
   */
  stop: () => Promise<string[]>;
}

/**
 * Starts, on a task queue of the test's own, the workflow worker (prebuilt bundle, no cache, so
 * every task replays the whole history) and one worker per target serving the scripted
 * activities. Targets named in `unserved` get no worker.
 */
export async function startMockedDeliveries(
  targets: Record<string, MockTarget>,
  { unserved = [] }: { unserved?: string[] } = {},
): Promise<MockedDeliveries> {
  installQuietRuntime();
  const address = inject('temporalAddress');
  const taskQueue = `workflow-test-${randomUUID()}`;
  const config = configFor(targets, taskQueue);
  const mocks = new ScriptedActivities();
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = await TandemClient.connect(config, connection);
  const served = Object.keys(targets).filter((name) => !unserved.includes(name));
  const workflowWorker = () =>
    Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      maxCachedWorkflows: 0,
      sinks: discardPayloads,
    });
  const workers = await Promise.all([
    workflowWorker(),
    ...served.map((name) =>
      Worker.create({
        connection: native,
        taskQueue: targetTaskQueue(taskQueue, name),
        activities: mocks.activities(),
        // A worker told to stop lets its attempt in flight report its outcome.
        shutdownGraceTime: '10s',
      }),
    ),
  ]);
  const running = workers.map((worker) => worker.run());
  const ids: string[] = [];

  const memo = async (id: string) => {
    const { memo } = await new Client({ connection }).workflow
      .getHandle(workflowIdFor(id))
      .describe();
    return memo?.[STATE_MEMO] as DeliveryState | undefined;
  };

  return {
    client,
    mocks,
    connection,
    memo,
    async deliver(names, payload = { order: 1042 }, options = {}) {
      const id = `order-${randomUUID().slice(0, 8)}`;
      ids.push(id);
      if (options.historyBudgetBytes === undefined) {
        await client.start({ id, targets: names, payload });
        return id;
      }
      // As the client starts it, with a history budget of the test's own.
      const input = planDelivery(config, { id, targets: names, payload });
      await new Client({ connection }).workflow.start(
        DELIVERY_WORKFLOW,
        startOptions(config, { ...input, historyBudgetBytes: options.historyBudgetBytes }),
      );
      return id;
    },
    until: (id, ready, timeoutMs = 15_000) =>
      until(() => client.status(id), ready, {
        timeoutMs,
        intervalMs: 50,
        message: (state) =>
          `Delivery "${id}" never reached the expected state: ${JSON.stringify(state)}`,
      }),
    live: (id, ready) =>
      until(
        () => new Client({ connection }).workflow.getHandle(workflowIdFor(id)).query(statusQuery),
        ready,
        {
          intervalMs: 50,
          message: (state) =>
            `Delivery "${id}" never reached the expected state: ${JSON.stringify(state)}`,
        },
      ),
    async stopServing(target) {
      if (!served.includes(target)) throw new Error(`No worker serves target "${target}".`);
      // Workers are the workflow worker first, then one per served target in order.
      const index = served.indexOf(target) + 1;
      workers[index]!.shutdown();
      await running[index];
    },
    async stopWorkflows() {
      workers[0].shutdown();
      await running[0];
    },
    async restartWorkflows() {
      workers[0] = await workflowWorker();
      running[0] = workers[0].run();
    },
    async stop() {
      mocks.release();
      const workflows = new Client({ connection }).workflow;
      const failures = await Promise.all(
        ids.map(async (id) => {
          const handle = workflows.getHandle(workflowIdFor(id));
          const problems: string[] = [];
          const { status, memo, runId } = await handle.describe();
          const memoState = memo?.[STATE_MEMO] as DeliveryState | undefined;
          // Reads fill in who asked for each action from history: so does this comparison.
          const kept =
            memoState && awaitsCallers(memoState)
              ? withCallers(
                  memoState,
                  await readCallers(connection, 'default', {
                    workflowId: workflowIdFor(id),
                    runId,
                  }),
                )
              : memoState;
          // A closed run's memo is its final state; a parked one's is what it reports now.
          if (status.name !== 'RUNNING' || kept?.status === 'needs_attention') {
            const state =
              status.name === 'RUNNING' ? await client.status(id) : await client.result(id);
            if (JSON.stringify(kept) !== JSON.stringify(state)) {
              problems.push(`${id}: memo ${JSON.stringify(kept)} is not ${JSON.stringify(state)}`);
            }
          }
          // Parked runs wait for an operator forever: end them so they do not outlive the test.
          if (status.name === 'RUNNING') await handle.terminate('test over');
          const { events } = await handle.fetchHistory();
          for (const event of events ?? []) {
            const failed = event.workflowTaskFailedEventAttributes;
            // The server fails a task itself to flush a flood of signals that arrived during it
            // (more than its buffered-events batch): that task is retried, nothing of the run's.
            if (
              failed?.cause ===
              temporal.api.enums.v1.WorkflowTaskFailedCause
                .WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND
            ) {
              continue;
            }
            if (failed) problems.push(`${id}: ${failed.failure?.message ?? String(failed.cause)}`);
          }
          return problems;
        }),
      );
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await Promise.all(running);
      await connection.close();
      await native.close();
      return failures.flat();
    },
  };
}
