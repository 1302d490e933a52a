/**
 * The config the bench runs Tandem with, as a user would write it: eight like targets (`t0`…`t7`,
 * for the legs rows), plus `keep` (succeeds, declares no compensation) and `refuse` (answers 422),
 * which together park a delivery as `needs_attention`: `keep`'s effect cannot be undone.
 */

/** Targets a delivery can name, in the order the legs rows take them. */
export const LEG_TARGETS = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'] as const;
export const PARKING_TARGETS = ['keep', 'refuse'] as const;
/** The task queue of the hand-written saga and the floor (`peer-workflows.ts`). */
export const PEER_TASK_QUEUE = 'bench-peers';
/** The secret every target's header asks for, so both sides resolve one like a real config. */
export const BENCH_ENV = { BENCH_TOKEN: 'bench-token' };

/**
 * The config document (before validation); `bulkhead: false` puts every target's attempts on the
 * workflow's task queue (eager dispatch).
 */
export function benchConfigDocument(
  targetsUrl: string,
  { address, gatewayPort, bulkhead }: { address: string; gatewayPort: number; bulkhead: boolean },
) {
  const target = (path: string, compensate?: string) => ({
    // Written only when off, so the document also runs against code that predates the field.
    ...(!bulkhead && { bulkhead }),
    request: {
      method: 'POST',
      url: `${targetsUrl}${path}`,
      headers: { Authorization: 'Bearer ${BENCH_TOKEN}' },
      timeout: '10s',
    },
    // One quick retry: the bench counts a failure rather than hiding it behind retries.
    retry: { initialInterval: '200ms', maximumAttempts: 2, deadline: '1m' },
    ...(compensate !== undefined && {
      compensate: {
        method: 'DELETE',
        url: `${targetsUrl}${compensate}`,
        retry: { initialInterval: '200ms', maximumAttempts: 3, deadline: '1m' },
      },
    }),
  });
  const legs = LEG_TARGETS.map(
    (name) => [name, target(`/t/${name}`, `/t/${name}/{{response.body.id}}`)] as const,
  );
  return {
    temporal: { address, namespace: 'default', taskQueue: 'bench' },
    targets: { ...Object.fromEntries(legs), keep: target('/t/keep'), refuse: target('/reject') },
    gateway: { host: '127.0.0.1', port: gatewayPort },
  };
}

/** The document's type, for the processes that receive it as JSON. */
export type BenchConfigDocument = ReturnType<typeof benchConfigDocument>;

/** The bench's delivery `id` to `targets`, the same request on every side of a row. */
export function deliveryFor(id: string, targets: string[]) {
  return { id, targets, payload: { orderId: id, sku: 'BENCH-1', qty: 1 } };
}
