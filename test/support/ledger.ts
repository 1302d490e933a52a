import { TANDEM_HEADERS } from '../../src/contract/contracts';
import type { ReceivedRequest } from '../../src/demo/request-log';

/** A delivery that was started, and the targets it names. */
export interface Started {
  readonly id: string;
  readonly targets: readonly string[];
}

/** What the targets' logs say about a set of started deliveries. */
export interface Ledger {
  /** Deliveries one of whose targets never acted on the leg: the effect is missing. */
  readonly lost: string[];
  /** Deliveries one of whose targets acted on the leg more than once: the effect is doubled. */
  readonly doubled: string[];
}

/**
 * Counts, from what each target saw, the deliveries lost and those whose effect was doubled.
 * A target acts on a leg when it processes its create (a repeat answered from the first, by
 * its Idempotency-Key, is not an act), so each leg must be processed exactly once. Only the
 * targets' own records are counted, never the runs' statuses: a run that says "completed"
 * without its effects is lost here.
 */
export function ledger(started: readonly Started[], seen: readonly ReceivedRequest[]): Ledger {
  const acts = new Map<string, number>();
  const legOf = (id: string, target: string) => JSON.stringify([id, target]);
  for (const request of seen) {
    const id = request.headers[TANDEM_HEADERS.delivery];
    if (request.outcome !== 'processed' || request.operation !== 'create' || id === undefined) {
      continue;
    }
    const leg = legOf(id, request.api ?? '');
    acts.set(leg, (acts.get(leg) ?? 0) + 1);
  }
  const counts = (d: Started) => d.targets.map((target) => acts.get(legOf(d.id, target)) ?? 0);
  return {
    lost: started.filter((d) => counts(d).some((n) => n === 0)).map((d) => d.id),
    doubled: started.filter((d) => counts(d).some((n) => n > 1)).map((d) => d.id),
  };
}
