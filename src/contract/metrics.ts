/**
 * Every metric Tandem exports, declared once: the worker's (through the Temporal runtime's
 * meter, on the same endpoint as the SDK's `temporal_*`), the gateway's (prom-client), the
 * docs' metric list and the dashboard's check all read this table. Pure data: the workflow
 * bundle imports it too.
 *
 * Labels are low-cardinality by rule: a target's name, an outcome class, a status; never a
 * delivery id, a URL or a header value.
 */

/** How a metric's value behaves, as Prometheus types it. */
export type MetricType = 'counter' | 'histogram' | 'gauge';

/** Where a metric is served: each worker's endpoint, or the gateway's `GET /metrics`. */
export type MetricSource = 'worker' | 'gateway';

/** One exported metric. */
export interface MetricSpec {
  /** The name as Prometheus shows it (counters end in `_total`, durations in `_seconds`). */
  readonly name: string;
  readonly type: MetricType;
  /** `seconds` for durations; empty for counts. */
  readonly unit: 'seconds' | '';
  readonly help: string;
  /** The labels Tandem sets (the SDK adds `namespace`, `task_queue` and the activity or workflow type to the worker's). */
  readonly labels: readonly string[];
  readonly source: MetricSource;
}

/**
 * The outcome class of one attempt: `success`; `transient` or `permanent` (the target answered,
 * judged as the contract says); `network` (no answer: refused, reset, timed out); `not_sent` (the
 * request could not be built or the egress fence refused it).
 */
export const ATTEMPT_OUTCOMES = [
  'success',
  'transient',
  'permanent',
  'network',
  'not_sent',
] as const;
export type AttemptOutcomeClass = (typeof ATTEMPT_OUTCOMES)[number];

/** What an attempt was for: sending the payload, or undoing a leg. */
export const ATTEMPT_CALLS = ['deliver', 'compensate'] as const;
export type AttemptCall = (typeof ATTEMPT_CALLS)[number];

/** How a leg's compensation ended. */
export const COMPENSATION_OUTCOMES = ['compensated', 'compensation_failed'] as const;
export type CompensationOutcome = (typeof COMPENSATION_OUTCOMES)[number];

/** Histogram buckets (seconds) of one HTTP attempt, from a fast answer to a long timeout. */
export const ATTEMPT_SECONDS_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Histogram buckets (seconds) of a delivery's time to its outcome, or of a wait a target asked for. */
export const DELIVERY_SECONDS_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14_400, 86_400];

export const METRICS = {
  attempts: {
    name: 'tandem_attempts_total',
    type: 'counter',
    unit: '',
    help: 'HTTP attempts sent to targets, by target, call (deliver or compensate) and outcome class.',
    labels: ['target', 'call', 'outcome'],
    source: 'worker',
  },
  attemptDuration: {
    name: 'tandem_attempt_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time from sending an attempt to its outcome, by target, call and outcome class.',
    labels: ['target', 'call', 'outcome'],
    source: 'worker',
  },
  attemptsInFlight: {
    name: 'tandem_attempts_in_flight',
    type: 'gauge',
    unit: '',
    help: 'Attempts on the wire now on this worker (legs in flight), by target and call.',
    labels: ['target', 'call'],
    source: 'worker',
  },
  retryAfterDelay: {
    name: 'tandem_retry_after_delay_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Waits before a next attempt that a target asked for with Retry-After and the leg obeyed, by target.',
    labels: ['target'],
    source: 'worker',
  },
  compensations: {
    name: 'tandem_compensations_total',
    type: 'counter',
    unit: '',
    help: 'Legs whose compensation ended, by target and outcome (compensated or compensation_failed).',
    labels: ['target', 'outcome'],
    source: 'worker',
  },
  deliveryOutcomes: {
    name: 'tandem_delivery_outcomes_total',
    type: 'counter',
    unit: '',
    help: 'Deliveries that reached an outcome (completed, compensated, cancelled, needs_attention, resolved), by status.',
    labels: ['status'],
    source: 'worker',
  },
  deliveryDuration: {
    name: 'tandem_delivery_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time from a delivery start to its outcome, by status.',
    labels: ['status'],
    source: 'worker',
  },
  breakerTransitions: {
    name: 'tandem_breaker_transitions_total',
    type: 'counter',
    unit: '',
    help: "Transitions of a target's circuit breaker, by target and the state it went to (open, half_open, closed).",
    labels: ['target', 'to'],
    source: 'worker',
  },
  gatewayRequests: {
    name: 'tandem_gateway_requests_total',
    type: 'counter',
    unit: '',
    help: 'HTTP requests answered, by method, route and status.',
    labels: ['method', 'route', 'status'],
    source: 'gateway',
  },
  gatewayRequestDuration: {
    name: 'tandem_gateway_request_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time to answer an HTTP request, by method and route.',
    labels: ['method', 'route'],
    source: 'gateway',
  },
  gatewayStarts: {
    name: 'tandem_gateway_delivery_starts_total',
    type: 'counter',
    unit: '',
    help: 'Deliveries accepted: "started" ran a new delivery, "existing" found the one this request had started.',
    labels: ['result'],
    source: 'gateway',
  },
  gatewayRefusals: {
    name: 'tandem_gateway_refusals_total',
    type: 'counter',
    unit: '',
    help: 'Requests refused, by reason (the problem type); nothing was started for them.',
    labels: ['reason'],
    source: 'gateway',
  },
  gatewayActions: {
    name: 'tandem_gateway_actions_total',
    type: 'counter',
    unit: '',
    help: 'Operator actions through the gateway, by action and result (done, refused, not_found, failed).',
    labels: ['action', 'result'],
    source: 'gateway',
  },
  deliveries: {
    name: 'tandem_deliveries',
    type: 'gauge',
    unit: '',
    help: "Deliveries on the gateway's task queue, by status (from Temporal's visibility store, which lags a moment).",
    labels: ['status'],
    source: 'gateway',
  },
  legs: {
    name: 'tandem_legs',
    type: 'gauge',
    unit: '',
    help: "Legs of running deliveries held from attempting, by target and state: waiting out a backoff, paused by an operator, or held by the target (paused across the fleet, or its circuit breaker open) (from Temporal's visibility store, which lags a moment).",
    labels: ['target', 'state'],
    source: 'gateway',
  },
} as const satisfies Record<string, MetricSpec>;

/**
 * The SDK's own metric families a worker serves beside Tandem's, as Tandem's runtime settings
 * name them (`_total` on counters, durations in seconds): those dashboards and alerts may use.
 * The SDK's documentation lists them all.
 */
export const SDK_METRICS = [
  'temporal_activity_execution_failed_total',
  'temporal_activity_execution_latency_seconds',
  'temporal_activity_schedule_to_start_latency_seconds',
  'temporal_activity_succeed_endtoend_latency_seconds',
  'temporal_activity_task_received_total',
  'temporal_long_request_total',
  'temporal_num_pollers',
  'temporal_request_failure_total',
  'temporal_request_latency_seconds',
  'temporal_request_total',
  'temporal_sticky_cache_hit_total',
  'temporal_sticky_cache_size',
  'temporal_worker_task_slots_available',
  'temporal_worker_task_slots_used',
  'temporal_workflow_completed_total',
  'temporal_workflow_endtoend_latency_seconds',
  'temporal_workflow_failed_total',
  'temporal_workflow_task_execution_failed_total',
  'temporal_workflow_task_execution_latency_seconds',
  'temporal_workflow_task_schedule_to_start_latency_seconds',
] as const;

/** The name of a metric as the Temporal runtime's meter takes it: it adds `_total` to counters. */
export function meterName(spec: MetricSpec): string {
  return spec.type === 'counter' ? spec.name.replace(/_total$/, '') : spec.name;
}
