import type { InjectedSinks } from '@temporalio/worker';
import type { DeliverySinks } from '../../src/contract/contracts';

/** For workers that send nothing for real (mocked or replaying): the payload sink goes nowhere. */
export const discardPayloads = {
  payloads: { keep: { fn: () => undefined } },
} satisfies InjectedSinks<DeliverySinks>;
