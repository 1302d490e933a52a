import { workflowInfo } from '@temporalio/workflow';
import { isRunTrace, TRACE_MEMO, type RunTrace } from '../contract/tracing';

/**
 * The trace this run was started in, from the memo its client wrote at start (its start event,
 * so a replay reads the same), or `undefined` when it was started with tracing off. A run
 * started untraced makes no span at all: the SDK's interceptors and the phase spans would
 * otherwise build, serialise and drop spans on every task, and stamp every scheduled attempt
 * with a trace header nobody reads.
 */
export function runTrace(): RunTrace | undefined {
  const kept = workflowInfo().memo?.[TRACE_MEMO];
  return isRunTrace(kept) ? kept : undefined;
}
