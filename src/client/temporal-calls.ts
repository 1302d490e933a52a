import {
  ApplicationFailure,
  Client,
  WorkflowUpdateFailedError,
  type ConnectionLike,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Deadlines } from './client-options';
import type { TandemConfig } from '../contract/config/schema';
import { workflowIdFor } from '../contract/contracts';
import type { ActionRecord } from '../contract/action-record';
import type { OperatorAction } from '../contract/action-types';
import type { Issue } from '../contract/errors';
import { DeliveryActionRefusedError, InvalidActionError } from '../contract/action-errors';
import { FailureType } from '../contract/failures';
import { tandemErrorOf } from './temporal-errors';

/** How many identities {@link TemporalCalls.clientAs} keeps a client for. */
const KEPT_CALLER_CLIENTS = 64;

/**
 * How `TandemClient` calls Temporal: each call within its deadline, and whatever it throws
 * turned into a Tandem error (`tandemErrorOf`), so no caller sees a raw gRPC failure.
 */
export abstract class TemporalCalls {
  /** Clients that send as another identity, by identity (see {@link clientAs}). */
  private readonly callers = new Map<string, Client>();

  protected constructor(
    protected readonly client: Client,
    protected readonly connection: ConnectionLike,
    protected readonly config: TandemConfig,
    /** How long each kind of call may take. */
    readonly deadlines: Deadlines,
  ) {}

  /** Whether Temporal answers now, within the health deadline; never throws. */
  async health(): Promise<{ reachable: boolean; error?: string }> {
    try {
      await this.call({ ms: this.deadlines.health }, () =>
        this.connection.workflowService.getSystemInfo({}),
      );
      return { reachable: true };
    } catch (error) {
      return { reachable: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The run's description: what every read is answered from. */
  protected run(id: string): Promise<WorkflowExecutionDescription> {
    return this.call({ id, ms: this.deadlines.read }, () => this.handle(id).describe());
  }

  protected handle(id: string): WorkflowHandle {
    return this.client.workflow.getHandle(workflowIdFor(id));
  }

  /**
   * Runs one call to Temporal within its deadline (`ms`; none when absent), turning whatever it
   * throws into a Tandem error. `worker` says whether a worker must answer it.
   */
  protected async call<T>(
    at: { id?: string; ms?: number; worker?: boolean },
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await (at.ms === undefined
        ? run()
        : this.connection.withDeadline(Date.now() + at.ms, run));
    } catch (error) {
      throw tandemErrorOf(error, {
        address: this.config.temporal.address,
        taskQueue: this.config.temporal.taskQueue,
        ...(at.id !== undefined && { deliveryId: at.id }),
        deadlineMs: at.ms ?? 0,
        needsWorker: at.worker ?? false,
      });
    }
  }

  /**
   * A client over the same connection whose requests Temporal records as sent by `identity`
   * (the run's history is where who asked is kept). Clients are cheap; a few are kept.
   */
  protected clientAs(identity: string | undefined): Client {
    if (identity === undefined || identity === this.client.options.identity) return this.client;
    let client = this.callers.get(identity);
    if (client === undefined) {
      if (this.callers.size >= KEPT_CALLER_CLIENTS) {
        this.callers.delete(this.callers.keys().next().value!);
      }
      client = new Client({ ...this.client.options, identity });
      this.callers.set(identity, client);
    }
    return client;
  }

  /**
   * Sends an operator action's update as `identity` (default: this client's); the run's refusal
   * becomes the client's, by its failure type: an input the run refuses as invalid is an
   * {@link InvalidActionError}, an action that does not apply now a
   * {@link DeliveryActionRefusedError}. Answers with the action as kept, `by` the identity it was
   * sent as.
   */
  protected async update(
    id: string,
    action: OperatorAction,
    args: object,
    identity?: string,
  ): Promise<ActionRecord> {
    const client = this.clientAs(identity);
    // The identity is also written as the input's `by`, so the run's own messages can name it.
    const input = { ...args, by: client.options.identity };
    try {
      const kept = await this.call({ id, ms: this.deadlines.action, worker: true }, () =>
        client.workflow
          .getHandle(workflowIdFor(id))
          .executeUpdate<ActionRecord, [object]>(action, { args: [input] }),
      );
      return { ...kept, by: client.options.identity };
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      const failure = error.cause;
      const reason = failure instanceof Error ? failure.message : error.message;
      if (failure instanceof ApplicationFailure && failure.type === FailureType.InvalidAction) {
        const issues = issuesOf(failure.details?.[0]);
        throw new InvalidActionError(id, action, reason, issues, { cause: error });
      }
      throw new DeliveryActionRefusedError(id, action, reason, undefined, { cause: error });
    }
  }
}

/** The fields a refusal names, from its details (a run's word: nothing taken on trust). */
function issuesOf(details: unknown): Issue[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (issue): issue is Issue =>
      typeof issue === 'object' &&
      issue !== null &&
      typeof (issue as Issue).path === 'string' &&
      typeof (issue as Issue).detail === 'string',
  );
}
