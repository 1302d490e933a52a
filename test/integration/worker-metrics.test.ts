import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/host/machine';
import { spawnTandem, type SpawnedProcess } from '../support/processes';
import { INVENTORY_TOKEN, startSystem, type System } from '../support/system';
import { until } from '../support/wait';

/** One sample of a Prometheus text page. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments and blank lines skipped). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k!, v!]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The sum of `name`'s samples whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe("a worker's metrics endpoint", () => {
  let system: System;
  let worker: SpawnedProcess | undefined;
  afterEach(async () => {
    worker?.kill('SIGKILL');
    await system.stop();
  });

  it('serves temporal_* and per-target tandem_* series after a retried, compensated delivery, counted once though every task replays the run, with no delivery id or secret in any label', async () => {
    // No run kept in the cache: every workflow task replays the whole history, and the run's
    // own metrics must still count each outcome once.
    system = await startSystem((doc) => Object.assign(doc, { worker: { cachedRuns: 0 } }), {
      workers: false,
    });
    const { client, targets } = system;
    const port = await freePort();
    worker = spawnTandem(['worker'], {
      TANDEM_CONFIG: await system.writeConfigFile(),
      INVENTORY_TOKEN,
      TANDEM_METRICS_ADDRESS: `127.0.0.1:${port}`,
    });
    const url = `http://127.0.0.1:${port}/metrics`;
    await worker.waitForOutput(`tandem worker: metrics (Prometheus) at ${url}`);
    // Inventory asks for a second's pause once, then takes the order; shipping refuses it later,
    // so inventory's reservation is undone.
    targets.setFault('inventory', 'create', { status: 503, retryAfter: '1', times: 1 });
    targets.setFault('shipping', 'create', { status: 422, latencyMs: 4000, times: 1 });
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1' } });
    const state = await client.result(id);
    expect(state.status).toBe('compensated');

    const scrape = async () => (await fetch(url)).text();
    // The workflow's own metrics reach the exporter a moment after the run ends.
    const page = await until(
      scrape,
      (text) => total(parseExposition(text), 'tandem_delivery_outcomes_total') > 0,
      { message: (text) => `no delivery outcome on the worker's endpoint:\n${text}` },
    );
    const samples = parseExposition(page);
    const attempts = (target: string, call: string, outcome: string) =>
      total(samples, 'tandem_attempts_total', { target, call, outcome });
    expect({
      inventoryTransient: attempts('inventory', 'deliver', 'transient'),
      inventorySuccess: attempts('inventory', 'deliver', 'success'),
      shippingPermanent: attempts('shipping', 'deliver', 'permanent'),
      inventoryUndone: attempts('inventory', 'compensate', 'success'),
      allAttempts: total(samples, 'tandem_attempts_total'),
    }).toEqual({
      inventoryTransient: 1,
      inventorySuccess: 1,
      shippingPermanent: 1,
      inventoryUndone: 1,
      allAttempts: 4,
    });
    expect(
      total(samples, 'tandem_attempt_duration_seconds_count', {
        target: 'inventory',
        call: 'deliver',
      }),
    ).toBe(2);
    // Shipping's answer took its 4 s latency: the histogram keeps it in seconds.
    expect(
      total(samples, 'tandem_attempt_duration_seconds_sum', { target: 'shipping' }),
    ).toBeGreaterThanOrEqual(4);
    expect(total(samples, 'tandem_attempts_in_flight')).toBe(0);
    expect(
      total(samples, 'tandem_compensations_total', { target: 'inventory', outcome: 'compensated' }),
    ).toBe(1);
    expect(total(samples, 'tandem_compensations_total')).toBe(1);
    expect(total(samples, 'tandem_delivery_outcomes_total', { status: 'compensated' })).toBe(1);
    expect(total(samples, 'tandem_delivery_outcomes_total')).toBe(1);
    expect(
      total(samples, 'tandem_delivery_duration_seconds_count', { status: 'compensated' }),
    ).toBe(1);
    expect(total(samples, 'tandem_retry_after_delay_seconds_count', { target: 'inventory' })).toBe(
      1,
    );
    expect(total(samples, 'tandem_retry_after_delay_seconds_sum', { target: 'inventory' })).toBe(1);

    // The SDK's own, in Prometheus form, on the same page.
    const names = new Set(samples.map((s) => s.name));
    expect(names).toContain('temporal_workflow_task_schedule_to_start_latency_seconds_bucket');
    expect(names).toContain('temporal_activity_schedule_to_start_latency_seconds_bucket');
    // A compensated delivery ends its run as failed.
    expect(names).toContain('temporal_workflow_failed_total');

    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    expect(labelValues.filter((v) => v.includes(id))).toEqual([]);
    expect(page).not.toContain(id);
    expect(page).not.toContain(INVENTORY_TOKEN);
  }, 120_000);
});
