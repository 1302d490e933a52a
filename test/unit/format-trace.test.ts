import { describe, expect, it } from 'vitest';
import { formatState } from '../../src/cli/format';
import type { DeliveryState } from '../../src/contract/contracts';

const state: DeliveryState = {
  id: 'order-1',
  status: 'running',
  startedAt: '2026-01-01T00:00:00.000Z',
  legs: [],
};

describe('tandem status', () => {
  it("prints the delivery's trace id, its correlation id, when it has one", () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(formatState({ ...state, traceId }).join('\n')).toMatch(
      new RegExp(`trace\\s+${traceId}`),
    );
    expect(formatState(state).join('\n')).not.toMatch(/^trace/m);
  });
});
