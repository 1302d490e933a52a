import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CollectFunction,
} from 'prom-client';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../contract/contracts';
import { METRICS, type MetricSpec } from '../contract/metrics';
import type { ProblemKind } from './problems';

/** A prom-client metric's name, help and labels, as the table in `src/contract/metrics.ts` has them. */
function declared<S extends MetricSpec>(spec: S) {
  if (spec.source !== 'gateway') throw new Error(`${spec.name} is not served by the gateway`);
  return { name: spec.name, help: spec.help, labelNames: spec.labels as S['labels'] };
}

/** Counts deliveries by status; absent from the page when Temporal cannot answer. */
export type CountDeliveries = (status: DeliveryStatus) => Promise<number>;

/**
 * The gateway's Prometheus metrics, on a registry of its own (so two gateways in one process,
 * as in the tests, do not share counters): the `gateway` metrics of `METRICS` (`src/contract/metrics.ts`), where `tandem_deliveries{status}`
 * is counted in Temporal's visibility store at most once per `gateway.metricsRefresh` (see
 * {@link DeliveryCounts}), and Node's process metrics.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    ...declared(METRICS.gatewayRequests),
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    ...declared(METRICS.gatewayRequestDuration),
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly starts = new Counter({
    ...declared(METRICS.gatewayStarts),
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    ...declared(METRICS.gatewayRefusals),
    registers: [this.registry],
  });
  readonly actions = new Counter({
    ...declared(METRICS.gatewayActions),
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
      ...declared(METRICS.deliveries),
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
