import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CollectFunction,
} from 'prom-client';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../contract/contracts';
import type { ProblemKind } from './problems';

/** Counts deliveries by status; absent from the page when Temporal cannot answer. */
export type CountDeliveries = (status: DeliveryStatus) => Promise<number>;

/**
 * The gateway's Prometheus metrics, on a registry of its own (so two gateways in one process,
 * as in the tests, do not share counters):
 *
 * - `tandem_gateway_requests_total{method,route,status}` and `..._request_duration_seconds`;
 * - `tandem_gateway_delivery_starts_total{result="started"|"existing"}`: new runs, and repeated
 *   requests answered with the run they had already started;
 * - `tandem_gateway_refusals_total{reason}`: refused requests by problem kind;
 * - `tandem_gateway_actions_total{action,result}`: cancel, retry and resolve: `done`, `refused`,
 *   `not_found` or `failed`;
 * - `tandem_deliveries{status}`: deliveries on this gateway's task queue by status (their
 *   outcomes), counted in Temporal's visibility store at most once per `gateway.metricsRefresh`
 *   (see {@link DeliveryCounts});
 * - Node's process metrics.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'tandem_gateway_requests_total',
    help: 'HTTP requests answered, by route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'tandem_gateway_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly starts = new Counter({
    name: 'tandem_gateway_delivery_starts_total',
    help: 'Deliveries accepted: "started" ran a new delivery, "existing" found the one this request had started.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'tandem_gateway_refusals_total',
    help: 'Requests refused, by reason (the problem type); nothing was started for them.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly actions = new Counter({
    name: 'tandem_gateway_actions_total',
    help: 'Operator actions through the gateway, by action and result.',
    labelNames: ['action', 'result'] as const,
    registers: [this.registry],
  });

  /**
   * `refreshEveryMs`: the least time between two counts in Temporal (`gateway.metricsRefresh`);
   * `onCountError` hears why a count failed.
   */
  constructor(
    countDeliveries: CountDeliveries,
    onCountError: (error: unknown) => void,
    refreshEveryMs: number,
  ) {
    const counts = new DeliveryCounts(countDeliveries, refreshEveryMs, onCountError);
    const collect: CollectFunction<Gauge<'status'>> = function () {
      this.reset();
      counts.latest()?.forEach((count, i) => this.set({ status: DELIVERY_STATUSES[i]! }, count));
    };
    new Gauge({
      name: 'tandem_deliveries',
      help: "Deliveries on this gateway's task queue, by status (from Temporal's visibility store, which lags a moment).",
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one refusal. */
  refused(kind: ProblemKind): void {
    this.refusals.inc({ reason: kind });
  }
}

/**
 * Deliveries by status, as last counted in Temporal's visibility store. A scrape never waits on
 * Temporal and cannot make it count more often than once per interval, however many scrapes
 * come (or how many at once): it is answered with the last counts, and only starts a recount
 * when they are older than the interval and none is under way.
 */
export class DeliveryCounts {
  private last: readonly number[] | undefined;
  private startedAt = Number.NEGATIVE_INFINITY;
  private counting = false;

  constructor(
    private readonly count: CountDeliveries,
    private readonly everyMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * The last counts, in the order of {@link DELIVERY_STATUSES}; none before the first count ends,
   * nor after a count failed (stale numbers would look current while Temporal is down).
   */
  latest(): readonly number[] | undefined {
    const now = performance.now();
    if (!this.counting && now - this.startedAt >= this.everyMs) {
      this.counting = true;
      this.startedAt = now;
      void Promise.all(DELIVERY_STATUSES.map((status) => this.count(status)))
        .then(
          (counts) => (this.last = counts),
          (error: unknown) => {
            this.last = undefined;
            this.onError(error);
          },
        )
        .finally(() => (this.counting = false));
    }
    return this.last;
  }
}
