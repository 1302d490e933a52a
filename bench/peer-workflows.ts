/**
 * The bench's peers of Tandem's workflow, bundled on their own: the saga a Temporal user would
 * write by hand instead of adopting Tandem (samples-typescript's style: the legs as activities in
 * parallel under `Promise.allSettled`, a plain retry policy, an undo for each success when
 * another leg failed, nothing else), and the floor (the cheapest workflow the server can run).
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { DeliveryRequest } from '../src/contract/contracts';
import type { PeerActivities } from './peer-activities';

const { create, undo } = proxyActivities<PeerActivities>({
  startToCloseTimeout: '10s',
  // As the bench's Tandem targets retry: once, soon.
  retry: { initialInterval: '200ms', maximumAttempts: 2 },
});

export async function handWrittenSaga({ id, targets, payload }: DeliveryRequest): Promise<void> {
  const results = await Promise.allSettled(targets.map((t) => create(t, id, payload)));
  if (results.every((result) => result.status === 'fulfilled')) return;
  const undos = results.flatMap((result, i) =>
    result.status === 'fulfilled' ? [undo(targets[i]!, id, result.value)] : [],
  );
  await Promise.allSettled(undos);
  throw ApplicationFailure.nonRetryable(`Delivery ${id} failed; what succeeded was undone`);
}

/** Start, one workflow task, complete: what any workflow costs at the least. */
export async function floor(): Promise<void> {}
