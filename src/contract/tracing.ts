/**
 * The names of Tandem's spans, span events and attributes, and where a run keeps its trace:
 * pure data, shared by the workflow (leg and compensation spans) and the Node-side telemetry.
 * Names are stable so a trace can be searched by them (they are listed in
 * docs/observability.md).
 */

/** Spans Tandem makes itself; the SDK adds `StartWorkflow:delivery`, `RunWorkflow:delivery`, … */
export const SpanName = {
  /** One leg of a delivery, from its first attempt to its end (workflow side). */
  leg: 'tandem.leg',
  /** The undo of one leg, all its attempts (workflow side). */
  compensation: 'tandem.compensation',
  /** One HTTP request to a target, a leg's or a compensation's (activity side, kind CLIENT). */
  attempt: 'tandem.attempt',
  /** A delivery being started, by the gateway, the CLI or an app (client side). */
  start: 'tandem.start',
  /** An operator action on a run (client side), linked to the run's trace. */
  action: 'tandem.action',
} as const;

/** Events on a leg's or compensation's span. */
export const SpanEvent = {
  /** The phase waits before its next attempt (backoff, at least the target's `Retry-After`). */
  backoff: 'tandem.backoff',
  /** The phase waits, its deadline running, while its target's circuit breaker is open. */
  held: 'tandem.held',
} as const;

/** Tandem's span attributes (beside the HTTP semantic-convention ones). */
export const SpanAttr = {
  deliveryId: 'tandem.delivery.id',
  target: 'tandem.target',
  attempt: 'tandem.attempt',
  /** `deliver` or `compensate`. */
  phase: 'tandem.phase',
  /** How an attempt or a phase ended: see {@link AttemptOutcomeClass}. */
  outcome: 'tandem.outcome',
  action: 'tandem.action',
  /** A backoff event's wait, and the `Retry-After` it obeys, in milliseconds. */
  delayMs: 'tandem.delay_ms',
  retryAfterMs: 'tandem.retry_after_ms',
  /** A held event's reason: the target's breaker, open, and why. */
  heldBy: 'tandem.held_by',
} as const;

/**
 * The memo field where a run keeps the trace it was started in (`{ traceId, spanId }` of the
 * start's span): the correlation id reads and operator actions find without a worker.
 */
export const TRACE_MEMO = 'tandemTrace';

/** A run's trace, as kept in its memo. */
export interface RunTrace {
  traceId: string;
  spanId: string;
}

/** Whether a memo value has the shape of a {@link RunTrace}. */
export function isRunTrace(value: unknown): value is RunTrace {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RunTrace).traceId === 'string' &&
    typeof (value as RunTrace).spanId === 'string'
  );
}
