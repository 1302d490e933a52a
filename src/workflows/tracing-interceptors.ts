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
import { runTrace } from './run-trace';

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

/** An interceptor's methods all take `(input, next)`. */
type Interceptor = Record<string, (input: unknown, next: (input: unknown) => unknown) => unknown>;

/**
 * An interceptor of `Kind` that acts only in a run started in a trace (see `runTrace`), and is
 * made on first use there: elsewhere each call goes straight to `next`. Decided per call, not
 * when the run's interceptors are made: the run's memo is not known yet then.
 */
function whenTraced<T extends object>(Kind: new () => T): T {
  let real: Interceptor | undefined;
  const gated: Interceptor = {};
  for (let proto: object | null = Kind.prototype as object; proto && proto !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name in gated) continue;
      gated[name] = (input, next) =>
        runTrace() === undefined
          ? next(input)
          : (real ??= new Kind() as unknown as Interceptor)[name]!(input, next);
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return gated as unknown as T;
}

/**
 * The interceptors the workflow bundle installs (see `bundleWorkflows`): the SDK's tracing in a
 * run started in a trace; in one started with tracing off, nothing (no span is made, dropped, or
 * stamped on every scheduled attempt as a header nobody reads).
 */
export const interceptors = (): WorkflowInterceptors => ({
  inbound: [whenTraced(ReplaySafeInboundInterceptor)],
  outbound: [whenTraced(OpenTelemetryOutboundInterceptor)],
  internals: [whenTraced(OpenTelemetryInternalsInterceptor)],
});
