import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../contract/contracts';
import { LEG_HOLDS, type LegHold } from '../contract/holds';
import { METRICS, type MetricSpec } from '../contract/metrics';
import type { ProblemKind } from './problems';

/** A prom-client metric's name, help and labels, as the table in `src/contract/metrics.ts` has them. */
function declared<S extends MetricSpec>(spec: S) {
  if (spec.source !== 'gateway') throw new Error(`${spec.name} is not served by the gateway`);
  return { name: spec.name, help: spec.help, labelNames: spec.labels as S['labels'] };
}

/** One series of a gauge counted in Temporal's visibility store: its labels, and how to count it. */
export interface CountedSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly count: () => Promise<number>;
}

/** What the gateway counts in visibility for its gauges. */
export interface VisibilityCounters {
  /** Deliveries now in `status`. */
  deliveries(status: DeliveryStatus): Promise<number>;
  /** Legs to `target` now held for `hold`, in running deliveries. */
  heldLegs(target: string, hold: LegHold): Promise<number>;
  /** The targets the config declares. */
  readonly targets: readonly string[];
}

/**
 * The gateway's Prometheus metrics, on a registry of its own (so two gateways in one process,
 * as in the tests, do not share counters): the `gateway` metrics of `METRICS`
 * (`src/contract/metrics.ts`), where the gauges `tandem_deliveries{status}` and
 * `tandem_legs{target,state}` are counted in Temporal's visibility store at most once per
 * `gateway.metricsRefresh` (see {@link VisibilityCounts}), and Node's process metrics.
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
    counters: VisibilityCounters,
    onCountError: (error: unknown) => void,
    refreshEveryMs: number,
  ) {
    const gauge = (spec: MetricSpec, series: CountedSeries[]) => {
      const counts = new VisibilityCounts(series, refreshEveryMs, onCountError);
      new Gauge({
        ...declared(spec),
        registers: [this.registry],
        collect(this: Gauge) {
          this.reset();
          counts.latest()?.forEach((count, i) => this.set(series[i]!.labels, count));
        },
      });
    };
    gauge(
      METRICS.deliveries,
      DELIVERY_STATUSES.map((status) => ({
        labels: { status },
        count: () => counters.deliveries(status),
      })),
    );
    gauge(
      METRICS.legs,
      counters.targets.flatMap((target) =>
        LEG_HOLDS.map((state) => ({
          labels: { target, state },
          count: () => counters.heldLegs(target, state),
        })),
      ),
    );
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one refusal. */
  refused(kind: ProblemKind): void {
    this.refusals.inc({ reason: kind });
  }
}

/**
 * A gauge's series as last counted in Temporal's visibility store. A scrape never waits on
 * Temporal and cannot make it count more often than once per interval, however many scrapes
 * come (or how many at once): it is answered with the last counts, and only starts a recount
 * when they are older than the interval and none is under way.
 */
export class VisibilityCounts {
  private last: readonly number[] | undefined;
  private startedAt = Number.NEGATIVE_INFINITY;
  private counting = false;

  constructor(
    private readonly series: readonly CountedSeries[],
    private readonly everyMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * The last counts, in the order of the series; none before the first count ends, nor after a
   * count failed (stale numbers would look current while Temporal is down).
   */
  latest(): readonly number[] | undefined {
    const now = performance.now();
    if (!this.counting && now - this.startedAt >= this.everyMs) {
      this.counting = true;
      this.startedAt = now;
      void Promise.all(this.series.map((one) => one.count()))
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
