import { describe, expect, it } from 'vitest';
import type { DemoApi, DemoOperation } from '../../src/demo/apis';
import type { ReceivedRequest, RequestOutcome } from '../../src/demo/request-log';
import { ledger, type Started } from '../support/ledger';

const both = ['inventory', 'shipping'] as const;

/** What a demo target logs for one request of `id`'s leg on `api`. */
function request(
  id: string,
  api: DemoApi,
  outcome: RequestOutcome,
  operation: DemoOperation = 'create',
): ReceivedRequest {
  return {
    api,
    operation,
    outcome,
    method: operation === 'create' ? 'POST' : 'DELETE',
    path: `/${api}`,
    headers: { 'x-tandem-delivery': id, 'idempotency-key': `${id}:${api}` },
    body: {},
    at: 0,
  };
}

/** Three deliveries as the targets see them when all went well: some legs retried. */
const started: Started[] = ['d1', 'd2', 'd3'].map((id) => ({ id, targets: both }));
const clean: ReceivedRequest[] = [
  request('d1', 'inventory', 'processed'),
  request('d1', 'shipping', 'faulted'),
  request('d1', 'shipping', 'processed'),
  request('d2', 'shipping', 'processed'),
  request('d2', 'inventory', 'processed'),
  // Sent again after a lost answer, and answered from the first by its Idempotency-Key.
  request('d2', 'inventory', 'replayed'),
  request('d3', 'inventory', 'processed'),
  request('d3', 'shipping', 'processed'),
];

describe('the ledger of deliveries at the targets', () => {
  it('finds nothing lost or doubled when each leg was acted on once, repeats replayed', () => {
    expect(ledger(started, clean)).toEqual({ lost: [], doubled: [] });
  });

  it('reports a delivery whose leg a target never acted on as lost', () => {
    const dropped = clean.filter(
      (r) => !(r.headers['x-tandem-delivery'] === 'd2' && r.api === 'shipping'),
    );

    expect(ledger(started, dropped)).toEqual({ lost: ['d2'], doubled: [] });
  });

  it('reports a delivery started but never seen by any target as lost', () => {
    const never = { id: 'd4', targets: both };

    expect(ledger([...started, never], clean)).toEqual({ lost: ['d4'], doubled: [] });
  });

  it('reports a leg acted on twice as doubled, whether or not the repeat had the same key', () => {
    const repeated = [...clean, request('d3', 'shipping', 'processed')];

    expect(ledger(started, repeated)).toEqual({ lost: [], doubled: ['d3'] });
  });

  it('does not count a refused, faulted or undo request as the leg acted on', () => {
    const notActs = clean
      .filter((r) => r.headers['x-tandem-delivery'] !== 'd1')
      .concat(
        request('d1', 'inventory', 'faulted'),
        request('d1', 'inventory', 'rejected'),
        request('d1', 'inventory', 'processed', 'undo'),
        request('d1', 'shipping', 'replayed'),
      );

    expect(ledger(started, notActs)).toEqual({ lost: ['d1'], doubled: [] });
  });
});
