import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterEach, expect } from 'vitest';
import { workflowIdFor, type DeliveryState, type LegState } from '../../src/contract/contracts';
import { hostname } from 'node:os';
import { operatorUpdates } from '../../src/contract/operator-actions';
import { UNKNOWN_CALLER } from '../../src/contract/action-record';
import type { OperatorAction, OperatorArgs } from '../../src/contract/action-types';
import { TandemStatus } from '../../src/contract/search-attributes';
import { startMockedDeliveries, type MockedDeliveries, type MockTarget } from './mock-workers';
import { caught, until } from './wait';

export const leg = (state: DeliveryState, target: string): LegState =>
  state.legs.find((l) => l.target === target)!;

/** The identity Temporal records for a request of an SDK client made with no identity of its own. */
export const SDK_IDENTITY = `${process.pid}@${hostname()}`;
/** The identity Temporal records for `temporal workflow signal`. */
export const STOCK_CLI_IDENTITY = expect.stringMatching(/^temporal-cli:/) as unknown as string;

/** A state as its run keeps it: who asked is only filled in by readers, from history. */
export const asKept = (state: DeliveryState): DeliveryState => ({
  ...state,
  legs: state.legs.map((l) =>
    l.paused === undefined ? l : { ...l, paused: { ...l.paused, by: UNKNOWN_CALLER } },
  ),
  ...(state.actions && {
    actions: state.actions.map((a) => ({ ...a, by: UNKNOWN_CALLER })),
  }),
});

/** A retry policy whose first backoff outlasts the test: the leg only moves on when steered. */
export const WAITS_LONG: MockTarget = {
  retry: { initialInterval: '20s', maximumInterval: '20s', deadline: '1m' },
};

/** Waiting out a backoff: one failed attempt, the next one due at `retryAt`. */
export const waitingToRetry = (target: string) => (s: DeliveryState) =>
  leg(s, target).status === 'pending' && leg(s, target).retryAt !== undefined;

/** Held by a pause: the attempt failed, its backoff is over, and no new attempt started. */
export const heldByPause = (target: string, attempts: number) => (s: DeliveryState) =>
  leg(s, target).status === 'pending' &&
  leg(s, target).attempts === attempts &&
  leg(s, target).retryAt === undefined;

/**
 * The mocked deliveries of one steering test and the ways to steer and read its runs: each
 * test starts its own (`start`), stopped after it with no failed workflow task allowed.
 */
export function steeringWorld() {
  let world: MockedDeliveries | undefined;
  const start = async (targets: Record<string, MockTarget>) => {
    world = await startMockedDeliveries(targets);
    return world;
  };
  afterEach(async () => {
    const failedTasks = await world?.stop();
    world = undefined;
    expect(failedTasks ?? []).toEqual([]);
  });

  const handle = (id: string) =>
    new Client({ connection: world!.connection }).workflow.getHandle(workflowIdFor(id));
  const update = <A extends OperatorAction>(id: string, action: A, args: OperatorArgs[A]) =>
    handle(id).executeUpdate(operatorUpdates[action], { args: [args] });
  const refusedUpdate = async (id: string, action: OperatorAction, args: unknown) => {
    const error = await caught(WorkflowUpdateFailedError, () =>
      handle(id).executeUpdate(action, { args: [args] }),
    );
    return error.cause?.message;
  };
  const searchStatus = (id: string, expected: string) =>
    until(
      async () => (await handle(id).describe()).typedSearchAttributes.get(TandemStatus),
      (status) => status === expected,
      { message: (status) => `TandemStatus is ${status}, not ${expected}` },
    );
  /** The run's current details as the Temporal UI shows them. */
  const details = async (id: string) =>
    (await handle(id).query<{ currentDetails: string }>('__temporal_workflow_metadata'))
      .currentDetails;
  return { start, handle, update, refusedUpdate, searchStatus, details };
}
