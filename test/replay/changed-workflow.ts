/**
 * Today's delivery workflow with one change that breaks replay: it waits a moment (a timer) before
 * it starts. The replay test bundles it to prove that replay catches such a change.
 */
import { sleep } from '@temporalio/workflow';
import type { DeliveryInput, DeliveryState } from '../../src/contract/contracts';
import { delivery as today } from '../../src/workflows/delivery';

export async function delivery(input: DeliveryInput): Promise<DeliveryState> {
  await sleep(1);
  return today(input);
}
