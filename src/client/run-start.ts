/** How `TandemClient.start` starts a delivery's run, and how it tells a repeat from a conflict. */
import type { WorkflowExecutionDescription, WorkflowStartOptions } from '@temporalio/client';
import type { TandemConfig } from '../contract/config/schema';
import {
  idempotencyKeyFor,
  STATE_MEMO,
  workflowIdFor,
  type DeliveryInput,
} from '../contract/contracts';
import { TRACE_MEMO, type RunTrace } from '../contract/tracing';
import { requestFingerprint } from './fingerprint';
import { pendingState } from './runs';
import { TandemStatus, TandemTargets } from '../contract/search-attributes';

/** The memo field that keeps a digest of the request a delivery was started with. */
const FINGERPRINT_MEMO = 'tandemRequest';

/** The options of a delivery's run: its id, input, UI texts, memo and search attributes. */
export function startOptions(config: TandemConfig, input: DeliveryInput, trace?: RunTrace) {
  return {
    workflowId: workflowIdFor(input.id),
    taskQueue: config.temporal.taskQueue,
    args: [input],
    // The server refuses a second run with this id, running or finished: a duplicate start is
    // answered with the existing delivery and sends nothing.
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `Deliver ${input.id} to ${input.targets.join(' + ')}`,
    staticDetails: input.targets
      .map((t) => `- **${t}**: Idempotency-Key \`${idempotencyKeyFor(input.id, t)}\``)
      .join('\n'),
    memo: {
      [FINGERPRINT_MEMO]: requestFingerprint(input.targets, input.payload),
      // Read at once by status and a repeated start; the run keeps it current.
      [STATE_MEMO]: pendingState(input.id, input.targets, new Date().toISOString()),
      // The correlation id reads show and operator actions link to, with no worker.
      ...(trace && { [TRACE_MEMO]: trace }),
    },
    typedSearchAttributes: [
      { key: TandemStatus, value: 'running' },
      { key: TandemTargets, value: input.targets },
    ],
  } satisfies WorkflowStartOptions;
}

/** Whether an existing run was started with this same request (targets and payload). */
export function startedWith(run: WorkflowExecutionDescription, input: DeliveryInput): boolean {
  return run.memo?.[FINGERPRINT_MEMO] === requestFingerprint(input.targets, input.payload);
}
