import {
  WorkflowUpdateFailedError,
  type Client,
  type ConnectionLike,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Deadlines } from './client-options';
import type { TandemConfig } from './config/schema';
import { workflowIdFor } from './contracts';
import { type ActionRecord, type OperatorAction } from './operator-actions';
import { DeliveryActionRefusedError } from './errors';
import { tandemErrorOf } from './temporal-errors';

/**
 * How `TandemClient` calls Temporal: each call within its deadline, and whatever it throws
 * turned into a Tandem error (`tandemErrorOf`), so no caller sees a raw gRPC failure.
 */
export abstract class TemporalCalls {
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

  /** Sends an operator action's update; the run's refusal becomes the client's. */
  protected async update(id: string, action: OperatorAction, args: object): Promise<ActionRecord> {
    try {
      return await this.call({ id, ms: this.deadlines.action, worker: true }, () =>
        this.handle(id).executeUpdate<ActionRecord, [object]>(action, { args: [args] }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      const reason = error.cause instanceof Error ? error.cause.message : error.message;
      throw new DeliveryActionRefusedError(id, action, reason, undefined, { cause: error });
    }
  }
}
