/**
 * Bulk operator actions: one action over every delivery a query selects, run by the Temporal
 * server as one batch operation, so it goes on when the caller (a CLI, a gateway request) is gone.
 */
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { ACTION_FIELD_RULES } from '../contract/action-spec';
import { actionSpec, deliveryActionSpec, type ActionName } from '../contract/action-types';
import type { ACTIONS } from '../contract/actions';
import {
  BatchNotFoundError,
  BatchRefusedError,
  InvalidBatchSelectionError,
} from '../contract/action-errors';
import { selectionQuery, type BatchSelection } from '../contract/batch-selection';
import type { Issue } from '../contract/errors';
import { GrpcStatus, grpcStatusOf } from './temporal-errors';
import { VisibilityReads } from './visibility-reads';

const { BatchOperationState, BatchOperationType } = temporal.api.enums.v1;

/** An action that also acts in bulk (see `ActionSpec.bulk`). */
export type BulkAction = {
  [A in ActionName]: (typeof ACTIONS)[A] extends { bulk: object } ? A : never;
}[ActionName];

/** What a bulk action acts on and says. */
export interface BulkRequest {
  selection: BatchSelection;
  /** The note of a retry or resolve (a resolve needs one), the reason of a cancel. */
  note?: string;
}

/** What a bulk action would act on now: the query and how many deliveries it selects. */
export interface BulkCount {
  action: BulkAction;
  query: string;
  count: number;
}

/** A bulk action the server has started: follow it with `TandemClient.batch(batchId)`. */
export interface BulkStarted extends BulkCount {
  batchId: string;
}

/** A bulk action's state: `BatchOperationState` in words. */
export type BatchStatus = 'running' | 'completed' | 'failed' | 'unknown';

/** A bulk action as the server keeps it (`DescribeBatchOperation`). */
export interface BatchProgress {
  id: string;
  /** How each run is reached: the action's signal, or Temporal's cancel request. */
  operation: 'signal' | 'cancel' | 'other';
  state: BatchStatus;
  /** Runs the query selected (known once the server has counted them). */
  total: number;
  /** Runs done: signalled or asked to cancel. */
  done: number;
  /** Runs the server could not reach (ended meanwhile, …). */
  failed: number;
  startedAt?: string;
  closedAt?: string;
  /** Who started it, as the server recorded the batch's identity. */
  by: string;
  /** `tandem <action> by <who>[: note]`. */
  reason: string;
  query?: string;
}

/** Whether `action` acts in bulk. */
export function isBulkAction(action: ActionName): action is BulkAction {
  const spec = actionSpec(action);
  return spec.subject === 'delivery' && spec.bulk !== undefined;
}

const STATES: Record<number, BatchStatus> = {
  [BatchOperationState.BATCH_OPERATION_STATE_RUNNING]: 'running',
  [BatchOperationState.BATCH_OPERATION_STATE_COMPLETED]: 'completed',
  [BatchOperationState.BATCH_OPERATION_STATE_FAILED]: 'failed',
};

const OPERATIONS: Record<number, BatchProgress['operation']> = {
  [BatchOperationType.BATCH_OPERATION_TYPE_SIGNAL]: 'signal',
  [BatchOperationType.BATCH_OPERATION_TYPE_SIGNAL_WORKFLOW]: 'signal',
  [BatchOperationType.BATCH_OPERATION_TYPE_CANCEL]: 'cancel',
  [BatchOperationType.BATCH_OPERATION_TYPE_CANCEL_WORKFLOW]: 'cancel',
};

const isoOf = (ms: number | undefined) =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/** See the module's comment; `TandemClient` offers these. */
export abstract class BatchActions extends VisibilityReads {
  /**
   * The query `request` selects for `action` and how many deliveries it selects now, starting
   * nothing. Throws {@link InvalidBatchSelectionError} naming each bad field.
   */
  async countBulk(action: BulkAction, request: BulkRequest): Promise<BulkCount> {
    const query = this.bulkQuery(action, request);
    const { count } = await this.call({ ms: this.deadlines.visibility }, () =>
      this.client.workflow.count(query),
    );
    return { action, query, count };
  }

  /**
   * Starts `action` on every delivery `request` selects, as one Temporal batch operation that
   * records `by` (default: this client's identity) as who started it. A retry or resolve reaches
   * each run as the action's signal, whose input names the batch and `by`, so the run keeps both
   * with the action; a cancel is Temporal's cancel request, as a single cancel is.
   */
  async startBulk(action: BulkAction, request: BulkRequest, by?: string): Promise<BulkStarted> {
    const counted = await this.countBulk(action, request);
    const identity = by ?? this.client.options.identity;
    const batchId = `tandem-batch-${randomUUID()}`;
    const { note } = request;
    const operation =
      deliveryActionSpec(action).bulk?.via === 'cancellation'
        ? { cancellationOperation: { identity } }
        : {
            signalOperation: {
              signal: action,
              identity,
              input: {
                payloads: await encodeToPayloads(this.client.options.loadedDataConverter, {
                  ...(note !== undefined && { note }),
                  by: identity,
                  batch: batchId,
                }),
              },
            },
          };
    await this.call({ ms: this.deadlines.start }, () =>
      this.connection.workflowService.startBatchOperation({
        namespace: this.config.temporal.namespace,
        jobId: batchId,
        visibilityQuery: counted.query,
        reason: `tandem ${action} by ${identity}${note === undefined ? '' : `: ${note}`}`,
        ...operation,
      }),
    ).catch((error: unknown) => {
      const status = grpcStatusOf(error);
      if (status?.code !== GrpcStatus.RESOURCE_EXHAUSTED) throw error;
      throw new BatchRefusedError(action, status.details, { cause: error });
    });
    return { ...counted, batchId };
  }

  /** A bulk action as the server keeps it; throws {@link BatchNotFoundError} for an unknown id. */
  async batch(id: string): Promise<BatchProgress> {
    const described = await this.call({ ms: this.deadlines.read }, () =>
      this.connection.workflowService.describeBatchOperation({
        namespace: this.config.temporal.namespace,
        jobId: id,
      }),
    ).catch((error: unknown) => {
      const code = grpcStatusOf(error)?.code;
      // An id that is not a job id at all is refused as an invalid argument.
      if (code !== GrpcStatus.NOT_FOUND && code !== GrpcStatus.INVALID_ARGUMENT) throw error;
      throw new BatchNotFoundError(id, { cause: error });
    });
    const startedAt = isoOf(optionalTsToMs(described.startTime));
    const closedAt = isoOf(optionalTsToMs(described.closeTime));
    return {
      id,
      operation: OPERATIONS[described.operationType ?? 0] ?? 'other',
      state: STATES[described.state ?? 0] ?? 'unknown',
      total: Number(described.totalOperationCount ?? 0),
      done: Number(described.completeOperationCount ?? 0),
      failed: Number(described.failureOperationCount ?? 0),
      ...(startedAt && { startedAt }),
      ...(closedAt && { closedAt }),
      by: described.identity ?? '',
      reason: described.reason ?? '',
      ...(described.query && { query: described.query }),
    };
  }

  /** The query of `request`, with its note checked as the run would check it. */
  private bulkQuery(action: BulkAction, { selection, note }: BulkRequest): string {
    const issues: Issue[] = [];
    let query: string | undefined;
    try {
      query = selectionQuery(action, selection, {
        taskQueue: this.config.temporal.taskQueue,
        now: new Date(),
      });
    } catch (error) {
      if (!(error instanceof InvalidBatchSelectionError)) throw error;
      issues.push(...error.issues);
    }
    const [key, field] = Object.entries(actionSpec(action).fields).find(
      ([, f]) => f.kind === 'note',
    ) ?? ['note', undefined];
    const problem =
      note === undefined
        ? field?.required && (field.missing ?? 'is required')
        : ACTION_FIELD_RULES.note(note);
    if (problem) issues.push({ path: key, detail: problem });
    if (query === undefined || issues.length > 0) {
      throw new InvalidBatchSelectionError(action, issues);
    }
    return query;
  }
}
