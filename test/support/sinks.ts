import type { InjectedSinks } from '@temporalio/worker';
import type { DeliverySinks } from '../../src/contract/contracts';
import { workflowSpanSinks } from '../../src/telemetry/tracing-worker';

/**
 * For workers that send nothing for real (mocked or replaying): the payload sink goes nowhere;
 * the bundle's tracing interceptors get the span sink every worker registers.
 */
export const discardPayloads = {
  payloads: { keep: { fn: () => undefined } },
  ...workflowSpanSinks(),
} satisfies InjectedSinks<DeliverySinks>;
