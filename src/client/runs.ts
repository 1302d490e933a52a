/**
 * What the Temporal server alone knows of deliveries (their runs' descriptions and visibility
 * records), read as Tandem's shapes, with no worker involved.
 */
import type { RawWorkflowExecutionInfo, WorkflowExecutionDescription } from '@temporalio/client';
import { isRunTrace, TRACE_MEMO, type RunTrace } from '../contract/tracing';
import type { TypedSearchAttributes } from '@temporalio/common';
import {
  DELIVERY_STATUSES,
  DELIVERY_WORKFLOW,
  deliveryIdOf,
  OPEN_STATUSES,
  STATE_MEMO,
  type DeliveryState,
  type DeliveryStatus,
} from '../contract/contracts';
import { TandemStatus, TandemTargets } from '../contract/search-attributes';

/** A delivery as the server knows it without a worker; see `TandemClient.describe`. */
export interface DeliveryRun {
  status: DeliveryStatus;
  targets: string[];
  startedAt: string;
  open: boolean;
  /** The trace the run was started in (see `TRACE_MEMO`). */
  trace?: RunTrace;
}

/** One delivery as listed from Temporal's visibility store. */
export interface DeliverySummary {
  id: string;
  workflowId: string;
  status: DeliveryStatus;
  targets: string[];
  startedAt: string;
  closedAt?: string;
  /** The trace the run was started in (see `TRACE_MEMO`); absent when tracing was off. */
  traceId?: string;
}

/** `WorkflowExecutionStatus.RUNNING` in Temporal's API. */
const RUNNING = 1;

/** A known delivery status, or `running` for a run whose first task has not recorded one. */
function deliveryStatus(value: unknown): DeliveryStatus {
  return DELIVERY_STATUSES.find((s) => s === value) ?? 'running';
}

/** A run's delivery status from its `TandemStatus` search attribute. */
export function statusOf(run: { typedSearchAttributes: TypedSearchAttributes }): DeliveryStatus {
  return deliveryStatus(run.typedSearchAttributes.get(TandemStatus));
}

/**
 * A delivery's state before any leg has moved: what the client writes into the memo at start,
 * and what a run with no memo yet (one started by the stock Temporal CLI whose first task has
 * not run) is read as.
 */
export function pendingState(
  id: string,
  targets: readonly string[],
  startedAt: string,
  status: DeliveryStatus = 'running',
): DeliveryState {
  return {
    id,
    status,
    startedAt,
    legs: targets.map((target) => ({
      target,
      status: 'pending',
      attempts: 0,
      outcomeUnknown: false,
    })),
  };
}

/** Whether a memo value has the shape of a {@link DeliveryState}. */
function isState(value: unknown): value is DeliveryState {
  const state = value as Partial<DeliveryState> | null | undefined;
  return (
    typeof state?.id === 'string' &&
    DELIVERY_STATUSES.some((s) => s === state.status) &&
    typeof state.startedAt === 'string' &&
    Array.isArray(state.legs)
  );
}

/**
 * A delivery's state as its run's description has it, with no worker: the state the run keeps
 * in its memo (`STATE_MEMO`), or, when there is none, a pending state from its search
 * attributes.
 */
export function stateOf(id: string, run: WorkflowExecutionDescription): DeliveryState {
  const kept = run.memo?.[STATE_MEMO];
  const state = isState(kept)
    ? kept
    : pendingState(
        id,
        run.typedSearchAttributes.get(TandemTargets) ?? [],
        run.startTime.toISOString(),
        statusOf(run),
      );
  const trace = runTraceOf(run);
  return trace ? { ...state, traceId: trace.traceId } : state;
}

/** The trace a run was started in, as its memo keeps it (none when tracing was off). */
export function runTraceOf(run: WorkflowExecutionDescription): RunTrace | undefined {
  const kept = run.memo?.[TRACE_MEMO];
  return isRunTrace(kept) ? kept : undefined;
}

/** The delivery a run's description tells of. */
export function runOf(id: string, run: WorkflowExecutionDescription): DeliveryRun {
  const state = stateOf(id, run);
  const trace = runTraceOf(run);
  return {
    status: state.status,
    targets: state.legs.map((leg) => leg.target),
    startedAt: state.startedAt,
    open: run.status.name === 'RUNNING',
    ...(trace && { trace }),
  };
}

/**
 * The visibility query of deliveries, optionally in one status. A run terminated by hand keeps
 * the TandemStatus it had; only an open run is really running or waiting for an operator.
 */
export function listQuery(status?: DeliveryStatus): string {
  const open = status !== undefined && OPEN_STATUSES.includes(status);
  return (
    `WorkflowType = "${DELIVERY_WORKFLOW}"` +
    (status === undefined ? '' : ` AND ${TandemStatus.name} = "${status}"`) +
    (open ? ' AND ExecutionStatus = "Running"' : '')
  );
}

/** A search attribute's value: the server keeps each as a JSON payload. */
function attribute(info: RawWorkflowExecutionInfo, name: string): unknown {
  const data = info.searchAttributes?.indexedFields?.[name]?.data;
  if (!data) return undefined;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
}

function isoOf(ts: { seconds?: unknown; nanos?: number | null } | null | undefined) {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

/** One visibility record as a {@link DeliverySummary}, with the trace its memo keeps. */
export function summaryOf(info: RawWorkflowExecutionInfo, trace?: RunTrace): DeliverySummary {
  const workflowId = info.execution?.workflowId ?? '';
  const targets = attribute(info, TandemTargets.name);
  const closedAt = Number(info.status) !== RUNNING ? isoOf(info.closeTime) : undefined;
  return {
    id: deliveryIdOf(workflowId),
    workflowId,
    status: deliveryStatus(attribute(info, TandemStatus.name)),
    targets: Array.isArray(targets)
      ? targets.filter((t): t is string => typeof t === 'string')
      : [],
    startedAt: isoOf(info.startTime) ?? new Date(0).toISOString(),
    ...(closedAt && { closedAt }),
    ...(trace && { traceId: trace.traceId }),
  };
}
