/**
 * The config the bench runs Tandem with, as a user would write it: eight like targets
 * (`t0`…`t7`, for the legs-per-delivery rows), plus `keep` (succeeds, declares no
 * compensation) and `refuse` (always answers 422), which together park a delivery as
 * `needs_attention`: `refuse` fails for good, and `keep`'s effect cannot be undone.
 */

/** Targets a delivery can name, in the order the legs rows take them. */
export const LEG_TARGETS = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'] as const;
/** The targets of a delivery that parks. */
export const PARKING_TARGETS = ['keep', 'refuse'] as const;
/** The secret every target's header asks for, so both sides resolve one like a real config. */
export const BENCH_ENV = { BENCH_TOKEN: 'bench-token' };

/** What the config document depends on. */
export interface BenchConfigOptions {
  targetsUrl: string;
  address: string;
  gatewayPort: number;
  /** `false` puts every target's attempts on the workflow's task queue (eager dispatch). */
  bulkhead?: boolean;
}

function target(url: string, bulkhead: boolean, compensateUrl?: string) {
  return {
    // Written only when off, so the document also runs against code that predates the field.
    ...(!bulkhead && { bulkhead }),
    request: {
      method: 'POST',
      url,
      headers: { Authorization: 'Bearer ${BENCH_TOKEN}' },
      timeout: '10s',
    },
    // One quick retry: the bench counts a failure rather than hiding it behind retries.
    retry: { initialInterval: '200ms', maximumAttempts: 2, deadline: '1m' },
    ...(compensateUrl !== undefined && {
      compensate: {
        method: 'DELETE',
        url: compensateUrl,
        retry: { initialInterval: '200ms', maximumAttempts: 3, deadline: '1m' },
      },
    }),
  };
}

/** The config document (before validation). */
export function benchConfigDocument(options: BenchConfigOptions) {
  const { targetsUrl } = options;
  const bulkhead = options.bulkhead ?? true;
  return {
    temporal: { address: options.address, namespace: 'default', taskQueue: 'bench' },
    targets: {
      ...Object.fromEntries(
        LEG_TARGETS.map((name) => [
          name,
          target(
            `${targetsUrl}/t/${name}`,
            bulkhead,
            `${targetsUrl}/t/${name}/{{response.body.id}}`,
          ),
        ]),
      ),
      keep: target(`${targetsUrl}/t/keep`, bulkhead),
      refuse: target(`${targetsUrl}/reject`, bulkhead),
    },
    gateway: { host: '127.0.0.1', port: options.gatewayPort },
  };
}

/** The document's type, for the processes that receive it as JSON. */
export type BenchConfigDocument = ReturnType<typeof benchConfigDocument>;

/** The payload of the bench's delivery `id`, the same on both sides of a row. */
export function payloadFor(id: string) {
  return { orderId: id, sku: 'BENCH-1', qty: 1 };
}
