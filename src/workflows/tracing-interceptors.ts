/**
 * The workflow side of tracing, bundled with every worker's workflow code whether tracing is on
 * or not, so a run replays alike on any worker of its build (the bundle's hash is the build id).
 * The spans are the SDK's (`RunWorkflow:delivery`, `StartActivity:…`, signals and updates) and
 * Tandem's leg and compensation spans; they leave the sandbox through the SDK's `exporter` sink,
 * which is not called on replay, and a span's ids come from the workflow's seeded random numbers,
 * so a replayed span is the same span.
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
 * The SDK's inbound interceptor, minus the spans of queries and update validators. Those calls
 * are not in the run's history, so they are not repeated on replay, yet each span draws its ids
 * from the workflow's random numbers: the draws after one would differ on replay (jittered
 * backoffs, which decide whether a leg gives up before its deadline). The SDK traces them
 * (temporalio/sdk-typescript#2023); a delivery's trace loses nothing by not.
 */
class ReplaySafeInboundInterceptor extends OpenTelemetryInboundInterceptor {
  override handleQuery(
    input: QueryInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>,
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
