import { randomUUID } from 'node:crypto';
import type { Connection } from '@temporalio/client';
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type ConnectionLike,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { clientOptionsFor } from '../codec/data-converter';
import type { TandemConfig } from '../contract/config/schema';
import { connectClient } from './connection';
import {
  DELIVERY_WORKFLOW,
  workflowIdFor,
  type DeliveryRequest,
  type DeliveryState,
  type DeliveryStatus,
} from '../contract/contracts';
import type { ActionRecord } from '../contract/action-record';
import {
  actionSpec,
  type ActionArgs,
  type DeliveryActionName,
  type OperatorAction,
  type OperatorArgs,
} from '../contract/action-types';
import { DeliveryConflictError, TimedOutError } from '../contract/errors';
import { formatDuration } from '../contract/duration';
import {
  DEFAULT_DEADLINES,
  type ConnectOptions,
  type Deadlines,
  type Started,
  type WaitOptions,
} from './client-options';
import { FailureType } from '../contract/failures';
import { planDelivery } from './plan';
import { runOf, runTraceOf, stateOf, type DeliveryRun } from './runs';
import { SpanAttr, SpanName } from '../contract/tracing';
import { currentTraceIds } from '../telemetry/trace-ids';
import { clientTracing, inSpan, linkTo } from '../telemetry/tracing';
import { actionRefusal } from './operator-rules';
import { awaitsCallers, readCallers, withCallers } from './callers';
import { startedWith, startOptions } from './run-start';
import { TargetCalls } from './target-calls';

export type { DeliveryRun, DeliverySummary } from './runs';
export type { BatchProgress, BulkAction, BulkCount, BulkStarted } from './batch-actions';
export type { TargetOverview } from './target-calls';

/** What an action answers: the action as the run keeps it; nothing for a cancel request. */
export type ActionAnswer<A extends DeliveryActionName> = A extends OperatorAction
  ? ActionRecord
  : void;

type LegArg = { leg?: string };

/**
 * The typed API apps use to start and steer deliveries, and the one place every way in goes
 * through: it applies the operator rules (`operator-rules.ts`) and the call deadlines, and throws
 * `TandemError`s only, which the CLI and the gateway translate. Starting is idempotent: the
 * workflow id comes from the delivery id, so the same delivery started twice sends once.
 */
export class TandemClient extends TargetCalls {
  private constructor(
    client: Client,
    connection: ConnectionLike,
    config: TandemConfig,
    deadlines: Deadlines,
    private readonly eagerStart: boolean,
    private readonly ownConnection?: Connection,
  ) {
    super(client, connection, config, deadlines);
  }

  /**
   * Connects to the Temporal server the config names, with its TLS and API key (`env` fills in
   * a `${VAR}` key), or over a given connection. Given the `NativeConnection` of workers in this
   * process (with `eagerStart`), a start asks the server to hand the run's first workflow task
   * straight back to them (Eager Workflow Start); the server falls back to the task queue.
   */
  static async connect(
    config: TandemConfig,
    connection?: ConnectionLike,
    options: ConnectOptions = {},
  ): Promise<TandemClient> {
    const shared = clientOptionsFor(config, options.env ?? {});
    const own = connection ? undefined : await connectClient(config.temporal, options.env ?? {});
    const conn = connection ?? own!;
    const client = new Client({ connection: conn, ...shared, interceptors: clientTracing() });
    const deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
    return new TandemClient(client, conn, config, deadlines, options.eagerStart ?? false, own);
  }

  /**
   * Starts a delivery. Throws before anything starts if the request is invalid, names an
   * unknown target or carries a payload over `limits.payload`. The same id again with the same
   * targets and payload returns the existing delivery (`started: false`); with others it throws
   * {@link DeliveryConflictError}.
   */
  async start(request: DeliveryRequest): Promise<Started> {
    const input = planDelivery(this.config, request);
    const workflowId = workflowIdFor(input.id);
    // The start's span is the run's parent; its trace id becomes the delivery's correlation id.
    const attributes = { [SpanAttr.deliveryId]: input.id };
    return inSpan(SpanName.start, { attributes }, () =>
      this.call({ id: input.id, ms: this.deadlines.start }, async () => {
        const trace = currentTraceIds();
        try {
          await this.client.workflow.start(DELIVERY_WORKFLOW, {
            ...startOptions(this.config, input, trace),
            requestEagerStart: this.eagerStart,
          });
          return {
            id: input.id,
            workflowId,
            started: true,
            ...(trace && { traceId: trace.traceId }),
          };
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          const existing = await this.handle(input.id).describe();
          if (!startedWith(existing, input)) throw new DeliveryConflictError(input.id);
          const kept = runTraceOf(existing);
          return {
            id: input.id,
            workflowId,
            started: false,
            ...(kept && { traceId: kept.traceId }),
          };
        }
      }),
    );
  }

  /**
   * The delivery's current state and each leg's, as its run keeps it visible to `describe`:
   * answered by the server alone, for open and closed runs, with no worker. Who asked for each
   * operator action (`by`) is the caller Temporal recorded, read from the run's history.
   */
  async status(id: string): Promise<DeliveryState> {
    const run = await this.run(id);
    const state = stateOf(id, run);
    return awaitsCallers(state) ? this.withCallers(id, state, run.runId) : state;
  }

  /** `state` with who asked for each action, read from the run's history (see `callers.ts`). */
  private async withCallers(id: string, state: DeliveryState, runId?: string) {
    const callers = await this.call({ id, ms: this.deadlines.read }, async () =>
      readCallers(this.connection, this.config.temporal.namespace, {
        workflowId: workflowIdFor(id),
        runId: runId ?? (await this.handle(id).describe()).runId,
      }),
    );
    return withCallers(state, callers);
  }

  /** Waits (with no deadline) until the delivery's run has ended and returns its final state. */
  async result(id: string): Promise<DeliveryState> {
    const handle = this.handle(id);
    let state: DeliveryState;
    try {
      state = (await this.call({ id }, () => handle.result())) as DeliveryState;
    } catch (error) {
      const failure = error instanceof WorkflowFailedError ? error.cause : undefined;
      if (!(error instanceof WorkflowFailedError)) throw error;
      if (
        !(failure instanceof ApplicationFailure) ||
        failure.type !== FailureType.DeliveryCompensated
      ) {
        return this.status(id);
      }
      state = failure.details?.[0] as DeliveryState;
    }
    return awaitsCallers(state) ? this.withCallers(id, state) : state;
  }

  /**
   * Polls the delivery until `until` holds for its state (a list of statuses is shorthand for
   * "is one of these"; a parked delivery never ends, so this is how to wait for
   * `needs_attention`) and returns that state. Throws {@link TimedOutError} after `timeoutMs`;
   * the delivery goes on.
   */
  async waitFor(
    id: string,
    until: ((state: DeliveryState) => boolean) | readonly DeliveryStatus[],
    { timeoutMs = 60_000, pollMs = 200 }: WaitOptions = {},
  ): Promise<DeliveryState> {
    const ready =
      typeof until === 'function' ? until : (s: DeliveryState) => until.includes(s.status);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = stateOf(id, await this.run(id));
      if (ready(state)) return awaitsCallers(state) ? this.status(id) : state;
      if (Date.now() >= deadline) {
        throw new TimedOutError(
          `delivery ${id} is still ${state.status} after ${formatDuration(timeoutMs)}; it goes on`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * What the server alone knows of a delivery, with no worker needed: its status, its targets,
   * when it started, and whether its run is still open.
   */
  async describe(id: string): Promise<DeliveryRun> {
    return runOf(id, await this.run(id));
  }

  /**
   * Asks the delivery to take an operator action of the action table (`actions.ts`), as `by` (who
   * asks: default this client's identity), which the run's history keeps. Decided first from the
   * run's description, with no worker (see `operator-rules.ts`): throws
   * {@link DeliveryActionRefusedError} when the action does not apply, {@link UnknownLegError}
   * when a parked delivery has no leg `leg`. A cancel is Temporal's cancel request, with `reason`
   * kept on it, and waits in history for a worker; an update answers with the action as the run
   * keeps it, or throws the run's refusal ({@link InvalidActionError} for an invalid input).
   */
  async act<A extends DeliveryActionName>(
    id: string,
    action: A,
    args: ActionArgs<A>,
    by?: string,
  ): Promise<ActionAnswer<A>> {
    const run = await this.describe(id);
    const refused = actionRefusal(id, action, run, (args as LegArg).leg);
    if (refused) throw refused;
    // Its own trace (an action may come days later), linked to the trace the run started in.
    const span = {
      attributes: { [SpanAttr.deliveryId]: id, [SpanAttr.action]: action },
      links: linkTo(run.trace),
    };
    return inSpan(SpanName.action, span, async () => {
      if (actionSpec(action).via === 'cancel') {
        await this.requestCancel(id, (args as ActionArgs<'cancel'>).reason, by);
        return undefined as ActionAnswer<A>;
      }
      return (await this.update(id, action as OperatorAction, args, by)) as ActionAnswer<A>;
    });
  }

  /** Cancels a running delivery: {@link act} `cancel`. */
  async cancel(id: string, reason?: string, by?: string): Promise<void> {
    await this.act(id, 'cancel', { ...(reason !== undefined && { reason }) }, by);
  }

  /** Retries a parked delivery (every leg that needs attention, or `leg`): {@link act} `retry`. */
  async retry(id: string, leg?: string, by?: string): Promise<void> {
    await this.act(id, 'retry', { ...(leg && { leg }) }, by);
  }

  /** Closes a parked delivery by hand, with a note: {@link act} `resolve`. */
  async resolve(id: string, note: string, by?: string): Promise<void> {
    await this.act(id, 'resolve', { note }, by);
  }

  /** Steers a delivery that has not ended (`pause`, `resume`, `retryNow`, `extendDeadline`). */
  steer<A extends OperatorAction>(
    id: string,
    action: A,
    args: OperatorArgs[A],
    by?: string,
  ): Promise<ActionRecord> {
    return this.act(id, action, args, by);
  }

  /** Temporal's cancel request, with a reason and who asked (`handle.cancel()` sends neither). */
  private async requestCancel(id: string, reason?: string, by?: string): Promise<void> {
    await this.call({ id, ms: this.deadlines.action }, () =>
      this.connection.workflowService.requestCancelWorkflowExecution({
        namespace: this.config.temporal.namespace,
        workflowExecution: { workflowId: workflowIdFor(id) },
        identity: by ?? this.client.options.identity,
        requestId: randomUUID(),
        ...(reason !== undefined && { reason }),
      }),
    );
  }

  /** Closes the connection this client opened (not one it was given). */
  async close(): Promise<void> {
    await this.ownConnection?.close();
  }
}
