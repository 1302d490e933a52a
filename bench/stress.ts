/**
 * The parked row, which loads the worker to see what it holds: many deliveries waiting as
 * `needs_attention` must cost the worker no memory beyond its sticky cache; it starts them (each
 * fails for good on `refuse` while `keep`, which cannot be undone, has acted), waits until the
 * server lists them all as parked, and reads the worker's RSS before and after.
 */
import { randomUUID } from 'node:crypto';
import { waitUntil } from '../src/cluster/processes';
import { deliveryFor, PARKING_TARGETS } from './config';
import { driveLanes } from './drive';
import type { RowSpec } from './matrix';
import { rssBytes } from './processes';
import { withRow } from './row';
import type { Running } from './system';

export type ParkedReport = Awaited<ReturnType<typeof runParked>>;

export function runParked(running: Running, spec: RowSpec, log: (line: string) => void) {
  return withRow(running, spec, async (_agent, loadAverage1m) => {
    const asked = spec.deliveries ?? 1000;
    const batch = `parked-${randomUUID().slice(0, 8)}`;
    const workerRssBeforeBytes = rssBytes(running.worker.pid);
    const began = Date.now();
    log(`${spec.name}: starting up to ${asked} deliveries that park…`);
    const start = async (id: string) => {
      await running.client.start(deliveryFor(`${batch}-${id}`, [...PARKING_TARGETS]));
    };
    // Fewer than asked are started when the time cap passes first.
    const started = await driveLanes(start, { ...spec, count: asked, durationMs: spec.capMs });
    const query = `WorkflowId STARTS_WITH "delivery-${batch}" AND TandemStatus = "needs_attention"`;
    const failures = [...started.failures];
    let parked = 0;
    const allParked = async () =>
      (parked = (await running.temporal.workflow.count(query)).count) >= started.samples.length;
    const late = `only part of the ${started.samples.length} runs started was listed as parked`;
    await waitUntil(allParked, `${late} after 10 minutes`, 10 * 60_000).catch((error: Error) =>
      failures.push(error.message),
    );
    return {
      ...{ name: spec.name, asked, loadAverage1m, parked, failures },
      /** From the first start until the server listed every run as parked. */
      secondsToPark: (Date.now() - began) / 1000,
      workerRssBeforeBytes,
      workerRssAfterBytes: rssBytes(running.worker.pid),
    };
  });
}
