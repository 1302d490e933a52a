import { randomUUID } from 'node:crypto';
import type { Connection } from '@temporalio/client';
import {
  Client,
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type ConnectionLike,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, type TypedSearchAttributes } from '@temporalio/common';
import type { TandemConfig } from './config/schema';
import { connectClient } from './connection';
import {
  DELIVERY_WORKFLOW,
  DELIVERY_STATUSES,
  deliveryIdOf,
  idempotencyKeyFor,
  OPEN_STATUSES,
  resolveUpdate,
  retryUpdate,
  statusQuery,
  workflowIdFor,
  type DeliveryRequest,
  type DeliveryState,
  type DeliveryStatus,
} from './contracts';
import { DeliveryActionRefusedError, DeliveryConflictError, DeliveryNotFoundError } from './errors';
import { FailureType } from './failures';
import { requestFingerprint } from './fingerprint';
import { planDelivery } from './plan';
import { TandemStatus, TandemTargets } from './search-attributes';

/** The memo field that keeps a digest of the request a delivery was started with. */
const FINGERPRINT_MEMO = 'tandemRequest';

/** What {@link TandemClient.start} did. */
export interface Started {
  id: string;
  workflowId: string;
  /** False when the delivery already existed: nothing new was sent. */
  started: boolean;
}

/** One delivery as listed from Temporal's visibility store. */
export interface DeliverySummary {
  id: string;
  workflowId: string;
  status: DeliveryStatus;
  targets: string[];
  startedAt: string;
  closedAt?: string;
}

/** A delivery as the server knows it without a worker; see {@link TandemClient.describe}. */
export interface DeliveryRun {
  status: DeliveryStatus;
  startedAt: string;
  open: boolean;
}

/** A run's delivery status from its `TandemStatus` search attribute. */
function statusOf(run: { typedSearchAttributes: TypedSearchAttributes }): DeliveryStatus {
  const known = run.typedSearchAttributes.get(TandemStatus);
  return DELIVERY_STATUSES.find((s) => s === known) ?? 'running';
}

/** Options of {@link TandemClient.list}. */
export interface ListOptions {
  status?: DeliveryStatus;
  /** Most deliveries returned; default 100. */
  limit?: number;
}

/** Options of {@link TandemClient.waitFor}. */
export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * The typed API apps use to start and steer deliveries. Starting is idempotent: the workflow id
 * comes from the delivery id, so the same delivery started twice runs (and sends) once.
 */
export class TandemClient {
  private constructor(
    private readonly client: Client,
    private readonly config: TandemConfig,
    private readonly eagerStart: boolean,
    private readonly ownConnection?: Connection,
  ) {}

  /**
   * Connects to the Temporal server the config names, with its TLS and API key (`env` fills in
   * a `${VAR}` key), or over a given connection. Given the `NativeConnection` of workers in this
   * process (with `eagerStart`), a start asks the server to hand the run's first workflow task
   * straight back to them (Eager Workflow Start), which saves a trip through matching; the
   * server falls back to the task queue when they are busy.
   */
  static async connect(
    config: TandemConfig,
    connection?: ConnectionLike,
    {
      eagerStart = false,
      env = {},
    }: { eagerStart?: boolean; env?: Readonly<Record<string, string | undefined>> } = {},
  ): Promise<TandemClient> {
    const own = connection ? undefined : await connectClient(config.temporal, env);
    const client = new Client({
      connection: connection ?? own!,
      namespace: config.temporal.namespace,
    });
    return new TandemClient(client, config, eagerStart, own);
  }

  /**
   * Starts a delivery. Throws before anything starts if the request is invalid or names an
   * unknown target. The same id again with the same targets and payload returns the existing
   * delivery (`started: false`); with others it throws {@link DeliveryConflictError}.
   */
  async start(request: DeliveryRequest): Promise<Started> {
    const input = planDelivery(this.config, request);
    const workflowId = workflowIdFor(input.id);
    const fingerprint = requestFingerprint(input.targets, input.payload);
    try {
      await this.client.workflow.start(DELIVERY_WORKFLOW, {
        workflowId,
        taskQueue: this.config.temporal.taskQueue,
        args: [input],
        // The server refuses a second run with this id, running or finished: a duplicate
        // start is answered with the existing delivery and sends nothing.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        requestEagerStart: this.eagerStart,
        staticSummary: `Deliver ${input.id} to ${input.targets.join(' + ')}`,
        staticDetails: input.targets
          .map((t) => `- **${t}**: Idempotency-Key \`${idempotencyKeyFor(input.id, t)}\``)
          .join('\n'),
        memo: { [FINGERPRINT_MEMO]: fingerprint },
        typedSearchAttributes: [
          { key: TandemStatus, value: 'running' },
          { key: TandemTargets, value: input.targets },
        ],
      });
      return { id: input.id, workflowId, started: true };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        const existing = await this.client.workflow.getHandle(workflowId).describe();
        if (existing.memo?.[FINGERPRINT_MEMO] !== fingerprint) {
          throw new DeliveryConflictError(input.id);
        }
        return { id: input.id, workflowId, started: false };
      }
      throw error;
    }
  }

  /** The delivery's current state and each leg's. */
  async status(id: string): Promise<DeliveryState> {
    return this.call(id, (handle) => handle.query(statusQuery));
  }

  /** Waits until the delivery's run has ended and returns its final state. */
  async result(id: string): Promise<DeliveryState> {
    return this.call(id, async (handle) => {
      try {
        return (await handle.result()) as DeliveryState;
      } catch (error) {
        const failure = error instanceof WorkflowFailedError ? error.cause : undefined;
        if (
          failure instanceof ApplicationFailure &&
          failure.type === FailureType.DeliveryCompensated
        ) {
          return failure.details?.[0] as DeliveryState;
        }
        if (!(error instanceof WorkflowFailedError)) throw error;
        return handle.query(statusQuery);
      }
    });
  }

  /**
   * Waits until the delivery reaches one of `statuses` (a parked delivery never ends, so this
   * is how to wait for `needs_attention`) and returns its state.
   */
  async waitFor(
    id: string,
    statuses: readonly DeliveryStatus[],
    { timeoutMs = 60_000, pollMs = 200 }: WaitOptions = {},
  ): Promise<DeliveryState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.status(id);
      if (statuses.includes(state.status)) return state;
      if (Date.now() > deadline) {
        throw new Error(
          `Delivery "${id}" is still ${state.status} after ${timeoutMs}ms, not ${statuses.join(' or ')}.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * What the server alone knows of a delivery, with no worker needed: its status (as last
   * recorded in `TandemStatus`), when it started, and whether its run is still open.
   */
  async describe(id: string): Promise<DeliveryRun> {
    const run = await this.call(id, (handle) => handle.describe());
    return {
      status: statusOf(run),
      startedAt: run.startTime.toISOString(),
      open: run.status.name === 'RUNNING',
    };
  }

  /**
   * Lists deliveries, newest first, from Temporal's visibility store (which lags a moment
   * behind the runs), optionally those in one status.
   */
  async list({ status, limit = 100 }: ListOptions = {}): Promise<DeliverySummary[]> {
    // A run terminated by hand keeps the TandemStatus it had; only an open run is really
    // running or waiting for an operator.
    const open = status !== undefined && OPEN_STATUSES.includes(status);
    const query =
      `WorkflowType = "${DELIVERY_WORKFLOW}"` +
      (status === undefined ? '' : ` AND ${TandemStatus.name} = "${status}"`) +
      (open ? ' AND ExecutionStatus = "Running"' : '');
    const found: DeliverySummary[] = [];
    for await (const run of this.client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
      found.push({
        id: deliveryIdOf(run.workflowId),
        workflowId: run.workflowId,
        status: statusOf(run),
        targets: run.typedSearchAttributes.get(TandemTargets) ?? [],
        startedAt: run.startTime.toISOString(),
        ...(run.closeTime && { closedAt: run.closeTime.toISOString() }),
      });
      if (found.length >= limit) break;
    }
    return found;
  }

  /**
   * Asks the delivery to stop: no new attempt starts, and succeeded legs are undone. A `reason`
   * is kept in the run's history, on the cancel request's event, beside who asked.
   */
  async cancel(id: string, reason?: string): Promise<void> {
    await this.call(id, async (handle) => {
      if (reason === undefined) return handle.cancel();
      // handle.cancel() in SDK 1.24 sends no reason; the service request carries one.
      try {
        return await this.client.workflowService.requestCancelWorkflowExecution({
          namespace: this.config.temporal.namespace,
          workflowExecution: { workflowId: handle.workflowId },
          identity: this.client.options.identity,
          requestId: randomUUID(),
          reason,
        });
      } catch (error) {
        // gRPC status 5 is NOT_FOUND, which handle.cancel() turns into WorkflowNotFoundError too.
        if (isGrpcServiceError(error) && Number(error.code) === 5) {
          throw new WorkflowNotFoundError(error.details, handle.workflowId, undefined);
        }
        throw error;
      }
    });
  }

  /**
   * Retries a parked delivery (all legs that need attention, or the one named): failed
   * compensations run again, and a leg whose outcome is unknown is re-sent to learn it.
   * Throws {@link DeliveryActionRefusedError} unless the delivery is `needs_attention`.
   */
  async retry(id: string, leg?: string): Promise<void> {
    await this.operate(id, 'retry', (handle) =>
      handle.executeUpdate(retryUpdate, { args: [leg === undefined ? {} : { leg }] }),
    );
  }

  /**
   * Closes a parked delivery by hand, with a note saying what was done.
   * Throws {@link DeliveryActionRefusedError} unless the delivery is `needs_attention`.
   */
  async resolve(id: string, note: string): Promise<void> {
    await this.operate(id, 'resolve', (handle) =>
      handle.executeUpdate(resolveUpdate, { args: [{ note }] }),
    );
  }

  /** Closes the connection this client opened (not one it was given). */
  async close(): Promise<void> {
    await this.ownConnection?.close();
  }

  private async operate(
    id: string,
    action: string,
    update: (handle: WorkflowHandle) => Promise<unknown>,
  ): Promise<void> {
    // Checked here first so an action on a running delivery is refused at once; the workflow
    // checks again, as the authority, before it acts.
    const { status } = await this.status(id);
    if (status !== 'needs_attention') {
      throw new DeliveryActionRefusedError(
        id,
        action,
        `Delivery "${id}" is ${status}, not needs_attention: there is nothing to ${action}.`,
      );
    }
    try {
      await this.call(id, update);
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      const reason = error.cause instanceof Error ? error.cause.message : error.message;
      throw new DeliveryActionRefusedError(id, action, reason, { cause: error });
    }
  }

  private async call<T>(id: string, use: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
    try {
      return await use(this.client.workflow.getHandle(workflowIdFor(id)));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError)
        throw new DeliveryNotFoundError(id, { cause: error });
      throw error;
    }
  }
}
