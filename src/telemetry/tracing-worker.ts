/** The worker side of tracing: the SDK's activity interceptors and the workflow spans' sink. */
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
  type SerializableSpan,
} from '@temporalio/interceptors-opentelemetry';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { workflowSpanDestination } from './tracing';

/**
 * Activity interceptors: an attempt's activity runs in a `RunActivity:…` span, child of the
 * workflow's `StartActivity:…`, when its run was started in a trace (its context then comes in
 * the activity's headers); an attempt of a run started untraced makes no span, so no trace holds
 * half a delivery. None at all when tracing is off in this process.
 */
export function activityTracing(): ActivityInterceptorsFactory[] {
  if (!workflowSpanDestination()) return [];
  return [
    (ctx) => {
      const traced = new OpenTelemetryActivityInboundInterceptor(ctx);
      return {
        inbound: {
          execute: (input, next) =>
            TRACE_HEADER in input.headers ? traced.execute(input, next) : next(input),
        },
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      };
    },
  ];
}

/**
 * The `exporter` sink the workflow bundle's tracing interceptors call with finished spans: the
 * SDK's span processor when tracing is on; else a sink that drops them (the bundle is the same
 * either way, so the sink must exist).
 */
export function workflowSpanSinks(): InjectedSinks<OpenTelemetrySinks> {
  const destination = workflowSpanDestination();
  if (!destination) return { exporter: { export: { fn: () => undefined } } };
  const sink = makeWorkflowExporter(destination.processor, destination.resource);
  return {
    exporter: {
      export: {
        // The SDK copies every field of the run's info onto each span, its memo and search
        // attributes too; the run's identity is what a span needs.
        fn: (info: WorkflowInfo, spans: SerializableSpan[]) =>
          sink.export.fn(runIdentity(info), spans),
      },
    },
  };
}

/** The fields of a run's info a workflow span carries as attributes. */
function runIdentity(info: WorkflowInfo): WorkflowInfo {
  const { workflowId, runId, workflowType, taskQueue, namespace } = info;
  // Only copied onto the span's attributes (see makeWorkflowExporter), never read as an info.
  return { workflowId, runId, workflowType, taskQueue, namespace } as WorkflowInfo;
}
