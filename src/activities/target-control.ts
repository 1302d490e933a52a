/**
 * The network calls of a target's controller: setting the rate of the target's task queue on
 * the server, and telling the running deliveries with a leg to it through a batch operation.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { LoadedDataConverter } from '@temporalio/common';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { runsWithTarget, targetStateSignal, type TargetNotice } from '../contract/target-control';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;

/** What the controller's activities are built over. */
export interface ControllerDependencies {
  workflowService: WorkflowService;
  namespace: string;
  /** The workflows' task queue: deliveries are found on it. */
  taskQueue: string;
  /** Encodes the notice as every Tandem client does (encrypted with a `codec` section). */
  dataConverter: LoadedDataConverter;
  /** Who the server records as making the changes. */
  identity: string;
}

/** Input of {@link ControllerActivities.setQueueRate}. */
export interface QueueRateInput {
  queue: string;
  /** Requests per second; 0 pauses dispatch; `null` removes the limit. */
  rate: number | null;
  /** Why, kept by the server with the limit. */
  reason: string;
}

/** Input of {@link ControllerActivities.noticeRuns}. */
export interface NoticeInput {
  notice: TargetNotice;
  /** The batch job's id: the same on every attempt, so a retried start starts nothing twice. */
  jobId: string;
  /** Only runs started at or after this time (ISO 8601): a sweep for runs started since the last. */
  startedSince?: string;
}

/** gRPC status codes a batch start may answer with (`@grpc/grpc-js` `status`). */
const ALREADY_EXISTS = 6;
const INVALID_ARGUMENT = 3;

/** The gRPC status code of a failed call, when it has one. */
function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Builds the controller's activities. */
export function createControllerActivities(deps: ControllerDependencies) {
  const { workflowService, namespace, identity } = deps;
  return {
    /**
     * Sets the queue-wide rate of the target's activity task queue: the server enforces it for
     * every worker, and a rate of 0 dispatches nothing, attempts already queued included.
     */
    async setQueueRate({ queue, rate, reason }: QueueRateInput): Promise<void> {
      await workflowService.updateTaskQueueConfig({
        namespace,
        identity,
        taskQueue: queue,
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        updateQueueRateLimit: {
          reason,
          ...(rate !== null && { rateLimit: { requestsPerSecond: rate } }),
        },
      });
    },

    /**
     * Sends `notice` as the `targetState` signal to every running delivery with a leg to the
     * target, as one batch operation: durable on the server, it goes on if this worker dies.
     * Answers once the server has taken the job.
     */
    async noticeRuns({ notice, jobId, startedSince }: NoticeInput): Promise<void> {
      const input = await encodeToPayloads(deps.dataConverter, notice);
      try {
        await workflowService.startBatchOperation({
          namespace,
          jobId,
          reason: `target ${notice.target}: ${notice.held ?? 'released'} (epoch ${notice.epoch})`,
          visibilityQuery: runsWithTarget(deps.taskQueue, notice.target, startedSince),
          signalOperation: {
            signal: targetStateSignal.name,
            identity,
            ...(input && { input: { payloads: input } }),
          },
        });
      } catch (error) {
        // A retried attempt whose first start reached the server: the job is running already.
        if (grpcCode(error) === ALREADY_EXISTS) return;
        if (grpcCode(error) === INVALID_ARGUMENT) {
          throw ApplicationFailure.create({
            type: 'BatchRefused',
            message: `the server refused the batch of target ${notice.target}: ${(error as Error).message}`,
            nonRetryable: true,
            cause: error as Error,
          });
        }
        // Too many batches at once on the namespace, or the server away: the activity retries.
        throw error;
      }
    },
  };
}

/** The controller's activities, as the workflow imports them (by type only). */
export type ControllerActivities = ReturnType<typeof createControllerActivities>;
