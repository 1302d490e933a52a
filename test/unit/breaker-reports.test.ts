import { describe, expect, it } from 'vitest';
import type { AttemptOutcomes } from '../../src/contract/breaker';
import { BreakerReports } from '../../src/worker/breaker-reports';

describe("the worker's breaker reports", () => {
  it('count deliver attempts per target: success ok, transient and network failed, the rest not at all', async () => {
    const sent: [string, AttemptOutcomes][] = [];
    const reports = new BreakerReports(
      (target, outcomes) => {
        sent.push([target, outcomes]);
        return Promise.resolve();
      },
      () => undefined,
    );
    const measured: string[] = [];
    const measure = reports.measuring((target, call) => (outcome) => {
      measured.push(`${target} ${call} ${outcome}`);
    });
    for (const outcome of ['success', 'transient', 'network', 'permanent', 'not_sent'] as const) {
      measure('shipping', 'deliver')(outcome);
      measure('shipping', 'compensate')(outcome);
    }
    measure('inventory', 'deliver')('permanent');

    await reports.flush();
    expect(sent).toEqual([['shipping', { ok: 1, failed: 2, at: expect.any(Number) as number }]]);
    expect(measured).toHaveLength(11);
    // Nothing since: nothing is sent.
    await reports.flush();
    expect(sent).toHaveLength(1);
  });

  it('log a report that cannot be sent and drop its counts, never failing', async () => {
    const warned: string[] = [];
    const reports = new BreakerReports(
      () => Promise.reject(new Error('Temporal unreachable')),
      (message) => warned.push(message),
    );
    reports.measuring(() => () => undefined)('shipping', 'deliver')('transient');

    await expect(reports.stop()).resolves.toBeUndefined();
    expect(warned).toEqual(['the breaker report of shipping was not sent; its counts are dropped']);
    await reports.flush();
    expect(warned).toHaveLength(1);
  });
});
