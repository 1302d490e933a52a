/**
 * How Temporal's errors become Tandem's: the one place that reads gRPC status codes. The client
 * passes every error of a call through {@link tandemErrorOf}, so the ways in only ever see
 * {@link TandemError}s (or a bug).
 */
import {
  isGrpcServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import {
  DeliveryNotFoundError,
  TandemError,
  TemporalUnavailableError,
  WorkerUnavailableError,
} from '../contract/errors';

/** gRPC status codes (https://grpc.io/docs/guides/status-codes/), by name. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const NAMES = Object.fromEntries(Object.entries(GrpcStatus).map(([name, code]) => [code, name]));

/** The gRPC status of `error` or of an error it wraps, with its details; undefined if none. */
export function grpcStatusOf(error: unknown): { code: number; details: string } | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e)) return { code: Number(e.code), details: e.details };
  }
  return undefined;
}

/** What a failed call was about, for the error it becomes. */
export interface CallContext {
  address: string;
  taskQueue: string;
  /** The delivery the call was about, when it names one. */
  deliveryId?: string;
  /** The call's deadline, in milliseconds. */
  deadlineMs: number;
  /** Whether a worker must answer the call (an update), not the server alone. */
  needsWorker: boolean;
}

/**
 * The Tandem error a failed Temporal call means:
 * - a run that does not exist → {@link DeliveryNotFoundError};
 * - no answer in time (DEADLINE_EXCEEDED, CANCELLED) → {@link WorkerUnavailableError} for a call
 *   a worker answers, {@link TemporalUnavailableError} for one the server answers;
 * - any other gRPC status (UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL, …) →
 *   {@link TemporalUnavailableError}: the request was valid, Temporal could not serve it now.
 * Anything else is returned as it is: it is not Temporal's.
 */
export function tandemErrorOf(error: unknown, call: CallContext): unknown {
  if (error instanceof TandemError) return error;
  if (error instanceof WorkflowNotFoundError && call.deliveryId !== undefined) {
    return new DeliveryNotFoundError(call.deliveryId, { cause: error });
  }
  const status = grpcStatusOf(error);
  const timedOut =
    error instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    status?.code === GrpcStatus.DEADLINE_EXCEEDED ||
    status?.code === GrpcStatus.CANCELLED;
  if (timedOut && call.needsWorker && call.deliveryId !== undefined) {
    return new WorkerUnavailableError(
      call.deliveryId,
      call.taskQueue,
      call.deadlineMs,
      call.address,
      { cause: error },
    );
  }
  if (timedOut) {
    return new TemporalUnavailableError(call.address, `no answer within ${call.deadlineMs}ms`, {
      cause: error,
    });
  }
  if (status === undefined) return error;
  if (status.code === GrpcStatus.NOT_FOUND && call.deliveryId !== undefined) {
    return new DeliveryNotFoundError(call.deliveryId, { cause: error });
  }
  const name = NAMES[status.code] ?? `gRPC status ${status.code}`;
  return new TemporalUnavailableError(call.address, `${name}: ${status.details}`, {
    cause: error,
  });
}
