/**
 * The workflow side of tracing, bundled with every worker's workflow code whether tracing is on
 * or not, so a run replays alike on any worker of its build (the bundle's hash is the build id).
 * The spans are the SDK's (`RunWorkflow:delivery`, `StartActivity:…`, signals) and Tandem's leg
 * and compensation spans (`phase-span.ts`); they leave the sandbox through the SDK's `exporter`
 * sink, which replay does not call, and a span's ids come from the workflow's seeded random
 * numbers, so a replayed span is the same span.
 */
import type {
  Next,
  QueryInput,
  UpdateInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
} from '@temporalio/workflow';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';

/**
 * The SDK's inbound interceptor, minus the spans of updates, their validators and queries (an
 * operator's action is traced by the client that sends it, linked to the run):
 * - queries and validators are not in history, so they are not repeated on replay, yet each span
 *   draws its ids from the workflow's random numbers: the draws after one (jittered backoffs,
 *   which decide whether a leg gives up before its deadline) would differ on replay
 *   (temporalio/sdk-typescript#2023);
 * - an update's span awaits the handler through more promise steps, which moves the update's
 *   completion after the memo write it used to precede: runs recorded without tracing then fail
 *   to replay (`test/replay` caught it).
 */
class ReplaySafeInboundInterceptor extends OpenTelemetryInboundInterceptor {
  override handleQuery(
    input: QueryInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>,
  ): Promise<unknown> {
    return next(input);
  }

  override handleUpdate(
    input: UpdateInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    return next(input);
  }

  override validateUpdate(
    input: UpdateInput,
    next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>,
  ): void {
    next(input);
  }
}

/** The interceptors the workflow bundle installs (see `bundleWorkflows`). */
export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new ReplaySafeInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
