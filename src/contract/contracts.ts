/**
 * The messages and shapes shared by the workflow, the worker, the client and every way in.
 * Safe to import from workflow code: it holds types and Temporal message definitions only.
 */
import { defineQuery, type Sinks } from '@temporalio/workflow';
import type { ActionRecord, RequestRef } from './action-record';

/** Name of the workflow type that runs one delivery. */
export const DELIVERY_WORKFLOW = 'delivery';

/** The workflow id of a delivery: derived from its id, so a second start finds the first run. */
export function workflowIdFor(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}

/** The delivery id of a delivery's workflow id (the inverse of {@link workflowIdFor}). */
export function deliveryIdOf(workflowId: string): string {
  return workflowId.replace(/^delivery-/, '');
}

/** The headers Tandem adds to every request it sends a target (names as undici sends them). */
export const TANDEM_HEADERS = {
  idempotencyKey: 'idempotency-key',
  delivery: 'x-tandem-delivery',
  attempt: 'x-tandem-attempt',
  /** Standard Webhooks, on targets that sign: the message id, stable over retries. */
  webhookId: 'webhook-id',
  /** Standard Webhooks: the attempt's time, in seconds since the epoch. */
  webhookTimestamp: 'webhook-timestamp',
  /** Standard Webhooks: `v1,<base64 HMAC-SHA256>` per active secret, space-separated. */
  webhookSignature: 'webhook-signature',
} as const;

/** The key a target sees on every attempt of one leg; stable over retries and worker crashes. */
export function idempotencyKeyFor(deliveryId: string, target: string): string {
  return `${deliveryId}:${target}`;
}

/** The task queue of one target's activities: each target is its own bulkhead. */
export function targetTaskQueue(taskQueue: string, target: string): string {
  return `${taskQueue}.${target}`;
}

/**
 * The memo field where a run keeps its {@link DeliveryState}: written at start and at the end,
 * and at every change once a failure or an operator made the run one to watch, so that reads
 * (status, a repeated start, list) are answered by `describe` with no worker.
 */
export const STATE_MEMO = 'tandemState';

/** Every {@link DeliveryStatus}, for schemas and checks at the ways in. */
export const DELIVERY_STATUSES = [
  'running',
  'paused',
  'completed',
  'compensated',
  'cancelled',
  'needs_attention',
  'resolved',
] as const;
/**
 * Where a delivery is in its lifecycle (see the product contract). `paused` is `running` with at
 * least one leg paused by an operator, or held by its target's pause across the fleet: that leg
 * starts no new attempt until resumed.
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The statuses of a run that is still open and moving or waiting (not parked, not ended). */
export const IN_PROGRESS_STATUSES: readonly DeliveryStatus[] = ['running', 'paused'];

/** The statuses of a run that is still open: in progress, or parked for an operator. */
export const OPEN_STATUSES: readonly DeliveryStatus[] = [
  ...IN_PROGRESS_STATUSES,
  'needs_attention',
];

/** Every {@link LegStatus}, for schemas and checks at the ways in. */
export const LEG_STATUSES = [
  'pending',
  'in_flight',
  'succeeded',
  'failed',
  'compensating',
  'compensated',
  'compensation_failed',
  'cancelled',
] as const;
/** Where one leg is in its lifecycle. */
export type LegStatus = (typeof LEG_STATUSES)[number];

/** A target's retry policy, durations in milliseconds. */
export interface RetryPlan {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  /** 0 = unlimited within the deadline. */
  maximumAttempts: number;
  /** The whole leg, all attempts. */
  deadlineMs: number;
  jitter: 'none' | 'full';
}

/** How one leg is sent and undone: taken from the config when the delivery starts. */
export interface LegPlan {
  target: string;
  taskQueue: string;
  timeoutMs: number;
  retry: RetryPlan;
  compensation?: {
    timeoutMs: number;
    retry: RetryPlan;
    /** The compensation templates read `response.*`, so it cannot run without the answer. */
    needsResponse: boolean;
  };
}

/** What an app asks for. */
export interface DeliveryRequest {
  /** The caller's business key, e.g. `order-1042`. */
  id: string;
  targets: string[];
  payload: unknown;
}

/**
 * The workflow's input: the request plus the policy of each leg. This is the only place the
 * payload is stored in the run's history: attempts read it from here (the run's start event).
 */
export interface DeliveryInput extends DeliveryRequest {
  legs: LegPlan[];
  /**
   * A history budget below the default (`HISTORY_BUDGET_BYTES`), in bytes; a larger value is
   * ignored. Lets a test reach the budget with a small payload.
   */
  historyBudgetBytes?: number;
}

/** A target's answer, as kept for compensation templates. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /**
   * JSON bodies parsed, others (and JSON cut at the cap or nested too deep) as text. A number
   * a JavaScript number cannot hold exactly (beyond 2^53) is kept as its exact decimal text.
   */
  body: unknown;
  /** Where those exact numbers are in `body` (keys from the root); absent when none. */
  exactNumbers?: string[][];
  /** The body was longer than the cap and was cut. */
  truncated?: boolean;
}

/**
 * Input of one `deliver` attempt. It carries no payload: the activity reads that from its run's
 * start event, so a run's history grows by O(1) in the payload's size per attempt.
 */
export interface AttemptInput {
  deliveryId: string;
  target: string;
  attempt: number;
  timeoutMs: number;
}

/**
 * What a delivery run tells the worker process that runs it (a sink: called once its workflow
 * task's code has run, never on replay).
 */
export interface DeliverySinks extends Sinks {
  payloads: {
    /** The run's payload, so this process's attempts need not read it back from history. */
    keep(payload: unknown): void;
  };
}

/** Input of one `compensate` attempt. */
export interface CompensationInput extends AttemptInput {
  /** The leg's answer; absent when its outcome is unknown. */
  response?: HttpAnswer;
}

/** Attempts and outcome of one phase (sending or undoing) of a leg. */
export interface PhaseState {
  attempts: number;
  lastError?: string;
  lastHttpStatus?: number;
  startedAt?: string;
  finishedAt?: string;
}

/** Who paused a leg, when and why; `by` and `claimedBy` as in an {@link ActionRecord}. */
export interface PauseState extends RequestRef {
  by: string;
  claimedBy?: string;
  note?: string;
  at: string;
}

/** Why a leg's target holds it, as its controller said (see `TargetNotice`). */
export interface TargetHoldState {
  reason: 'paused' | 'breaker_open';
  by?: string;
  note?: string;
  since?: string;
}

/** One leg as reported by the `status` query. */
export interface LegState extends PhaseState {
  target: string;
  status: LegStatus;
  /** A request was sent and its answer never came: the target may have acted on it. */
  outcomeUnknown: boolean;
  compensation?: PhaseState;
  /** Set while an operator has paused the leg: no new attempt (send or undo) starts. */
  paused?: PauseState;
  /**
   * Set while the leg's target holds it across the fleet (paused by an operator, or its breaker
   * open): no new attempt starts until both this and {@link paused} are lifted.
   */
  held?: TargetHoldState;
  /**
   * When the current phase's deadline (sending or undoing) falls; absent between phases and
   * while paused: a pause suspends the deadline, and {@link deadlineLeftMs} says what is left.
   */
  deadlineAt?: string;
  /** While paused during a phase: how much of its deadline is left, kept for the resume. */
  deadlineLeftMs?: number;
  /** While waiting out a backoff: when the next attempt is due (`retryNow` starts it at once). */
  retryAt?: string;
}

/** One delivery as reported by the `status` query. */
export interface DeliveryState {
  id: string;
  status: DeliveryStatus;
  /** Why the delivery is not `completed`, in one line. */
  reason?: string;
  /** The operator's note when resolved. */
  note?: string;
  startedAt: string;
  finishedAt?: string;
  legs: LegState[];
  /** The newest operator actions, oldest first. */
  actions?: ActionRecord[];
  /**
   * The id of the trace the delivery was started in: its correlation id in traces and logs.
   * Absent when tracing was off at its start.
   */
  traceId?: string;
}

/** The current state of a delivery and its legs. */
export const statusQuery = defineQuery<DeliveryState>('status');
