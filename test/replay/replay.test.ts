import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { bundleWorkflows } from '../../src/worker/workflow-bundle';
import { HISTORIES_DIR } from '../support/history';
import { discardPayloads } from '../support/sinks';

/**
 * The main paths, each recorded on today's workflow code by the integration test that drives it
 * (`TANDEM_RECORD_HISTORIES=1`): delivered first time or after retries; undone when a leg is
 * rejected (before or after the other succeeded), stopped while retrying, out of history budget;
 * cancelled, cancelled after a leg failed, cancelled while parked then retried; parked and then
 * retried (a failed undo, an unknown outcome) or resolved, by update or by signal; and operators
 * steering legs (retry now by update and by signal, pause and resume, pause all across a worker
 * restart, extend a deadline, invalid signals refused without a trace). Those were recorded with
 * tracing off; `traced-*` with tracing on (`tracing.test.ts`): the bundle installs the tracing
 * interceptors, and both kinds must replay with them.
 */
const PATHS = [
  'completed',
  'retried-then-completed',
  'rejected-before-compensated',
  'rejected-after-compensated',
  'stopped-while-retrying',
  'history-budget-reached',
  'cancelled',
  'cancelled-after-failure',
  'cancelled-while-parked-retried',
  'compensation-failed-retried',
  'outcome-unknown-retried',
  'resolved',
  'resolved-by-signal',
  'retried-by-signal',
  'retry-now-update',
  'retry-now-signal',
  'paused-then-resumed',
  'paused-all-across-restart',
  'deadline-extended',
  'signals-refused',
  'traced-compensated',
  'traced-paused-then-cancelled',
];

/** The header the SDK's tracing interceptors carry a span's context in. */
const TRACE_HEADER = '_tracer-data';

/** The marker a `patched()` call leaves in history. */
const PATCH_MARKER = 'core_patch';

interface HistoryEvent {
  eventType?: string;
  markerRecordedEventAttributes?: { markerName?: string };
  workflowExecutionStartedEventAttributes?: {
    header?: { fields?: Record<string, { data?: string }> };
  };
}

/** The `traceparent` a run was started in, from the tracing header of its start event. */
function startTrace(event: HistoryEvent | undefined): string | undefined {
  const data = event?.workflowExecutionStartedEventAttributes?.header?.fields?.[TRACE_HEADER]?.data;
  if (data === undefined) return undefined;
  const carrier = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as {
    traceparent?: string;
  };
  return carrier.traceparent;
}

describe('recorded histories of the main paths', () => {
  let histories: { workflowId: string; history: { events: HistoryEvent[] } }[];

  beforeAll(async () => {
    const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json'));
    histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: path.basename(file, '.json'),
        history: JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8')) as {
          events: HistoryEvent[];
        },
      })),
    );
  });

  it('cover every main path', () => {
    expect(histories.map((h) => h.workflowId).sort()).toEqual([...PATHS].sort());
  });

  it('carry no patch marker: runs behave as today’s code, with no replay branches', () => {
    const patched = histories
      .filter(({ history }) =>
        history.events.some(
          (event) => event.markerRecordedEventAttributes?.markerName === PATCH_MARKER,
        ),
      )
      .map(({ workflowId }) => workflowId);
    expect(patched).toEqual([]);
  });

  it('include runs recorded with tracing on and runs recorded with it off', () => {
    // Every start carries the header; only a traced one carries a trace context in it.
    const traced = histories
      .filter(({ history }) => startTrace(history.events[0]) !== undefined)
      .map(({ workflowId }) => workflowId);
    expect(traced.sort()).toEqual(PATHS.filter((p) => p.startsWith('traced-')).sort());
  });

  it('replay against today’s workflow code, tracing interceptors installed, without non-determinism', async () => {
    const code = await readFile(inject('workflowBundlePath'), 'utf8');
    expect(code).toContain('ReplaySafeInboundInterceptor');
    const results = Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, sinks: discardPayloads },
      histories,
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });

  it('fail to replay against a workflow changed in a way that breaks determinism', async () => {
    const code = await bundleWorkflows(path.join(__dirname, 'changed-workflow.ts'), false);
    const completed = histories.find((h) => h.workflowId === 'completed')!;
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: { code }, sinks: discardPayloads },
        completed.history,
        completed.workflowId,
      ),
    ).rejects.toThrow(DeterminismViolationError);
  });
});
