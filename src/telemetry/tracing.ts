/**
 * Traces: OpenTelemetry set up from the standard `OTEL_*` variables only, and the spans Tandem
 * makes outside the workflow (gateway requests, starts, operator actions, HTTP attempts).
 *
 * With no OTLP endpoint set (neither `OTEL_EXPORTER_OTLP_ENDPOINT` nor
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), or with `OTEL_SDK_DISABLED=true`, no SDK is created:
 * every span below comes from the API's no-op tracer, which records and sends nothing. Otherwise
 * the OpenTelemetry Node SDK reads the rest itself (`OTEL_EXPORTER_OTLP_PROTOCOL`,
 * `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`, …).
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import type { AttemptOutcomeClass } from '../contract/metrics';
import { SpanAttr, SpanName, type RunTrace } from '../contract/tracing';

type Env = Readonly<Record<string, string | undefined>>;

/** The instrumentation scope of Tandem's own spans. */
const TRACER_NAME = 'tandem';
/** The semantic-convention attribute of a URL's template form (still incubating in 1.28). */
const ATTR_URL_TEMPLATE = 'url.template';

/** Tracing in this process, as {@link startTracing} set it up. */
export interface Tracing {
  /** Whether spans are recorded and exported (an endpoint is set and the SDK not disabled). */
  readonly enabled: boolean;
  /** Sends the spans still buffered and stops the SDK; a no-op when tracing is off. */
  shutdown(): Promise<void>;
}

/** Whether the standard variables ask for traces to be exported. */
export function tracingWanted(env: Env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
}

/**
 * Sets tracing up for this process from `env` (the process's environment: the SDK reads its
 * `OTEL_*` variables from `process.env` itself). `serviceName` names the process when
 * `OTEL_SERVICE_NAME` does not. Once per process, before any Temporal client or worker.
 */
export async function startTracing(env: Env, serviceName: string): Promise<Tracing> {
  if (!tracingWanted(env)) return { enabled: false, shutdown: () => Promise.resolve() };
  // Loaded only when tracing is on: the SDK and its exporters are most of a CLI call's load.
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    // Given, it would override OTEL_SERVICE_NAME; the standard variable wins.
    ...(!env.OTEL_SERVICE_NAME && { serviceName }),
    // No automatic instrumentation: Tandem's spans are made where it knows what they mean.
    instrumentations: [],
  });
  sdk.start();
  // OTEL_TRACES_EXPORTER=none leaves the SDK without a tracer provider: still no tracing.
  const enabled = sdkProvider() !== undefined;
  return { enabled, shutdown: () => sdk.shutdown() };
}

/** The SDK's tracer provider when one is registered (tracing on), else undefined. */
function sdkProvider():
  { getActiveSpanProcessor(): SpanProcessor; resource: Resource } | undefined {
  const global = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const provider = (global.getDelegate?.() ?? global) as Partial<{
    getActiveSpanProcessor(): SpanProcessor;
    resource: Resource;
  }>;
  return provider.getActiveSpanProcessor && provider.resource
    ? (provider as { getActiveSpanProcessor(): SpanProcessor; resource: Resource })
    : undefined;
}

/**
 * Where the spans the workflow makes (in its sandbox, through the `exporter` sink of the SDK's
 * workflow interceptors) go: the SDK's span processor, or nowhere when tracing is off.
 */
export function workflowSpanDestination():
  { processor: SpanProcessor; resource: Resource } | undefined {
  const provider = sdkProvider();
  return provider && { processor: provider.getActiveSpanProcessor(), resource: provider.resource };
}

/**
 * A Temporal client's interceptors: a start, signal, update or query sends its span's context in
 * the call's headers, so the run's workflow spans join the caller's trace. None when tracing is
 * off in this process: the SDK's would stamp an empty trace header on every call.
 */
export function clientTracing(): ClientInterceptors {
  return sdkProvider() ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : {};
}

function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Runs `fn` inside a new active span named `name`, ending it when `fn` settles; a rejection
 * marks the span as an error (its message only: messages here name templates, never secrets).
 */
export async function inSpan<T>(
  name: string,
  options: { attributes?: Attributes; kind?: SpanKind; links?: Link[]; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    {
      ...(options.attributes && { attributes: options.attributes }),
      ...(options.kind !== undefined && { kind: options.kind }),
      ...(options.links && { links: options.links }),
    },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The link from an operator action's span to the run's trace (its start span). */
export function linkTo(run: RunTrace | undefined): Link[] {
  if (!run) return [];
  const spanContext: SpanContext = { traceId: run.traceId, spanId: run.spanId, traceFlags: 1 };
  return trace.isSpanContextValid(spanContext) ? [{ context: spanContext }] : [];
}

/** The context an incoming request's W3C `traceparent`/`tracestate` headers continue. */
export function incomingContext(headers: Readonly<Record<string, unknown>>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => {
      const value = carrier[key.toLowerCase()];
      return typeof value === 'string' ? value : undefined;
    },
  });
}

/** What an attempt's span says about it (the URL in its template form, never rendered). */
export interface AttemptTrace {
  deliveryId: string;
  target: string;
  attempt: number;
  phase: 'deliver' | 'compensate';
  method: string;
  /** The URL as configured: `${VAR}` secrets and `{{…}}` fields unresolved. */
  urlTemplate: string;
}

/** The host and port of a template URL, when its authority holds no placeholder. */
function serverOf(urlTemplate: string): Attributes {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(urlTemplate)?.[1];
  if (authority === undefined || /[{}$@]/.test(authority)) return {};
  try {
    const url = new URL(urlTemplate.replace(/[?#].*$/, ''));
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return { [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_SERVER_PORT]: port };
  } catch {
    return {};
  }
}

/** Tells an attempt's span how it ended: its outcome class, and the HTTP status if one came. */
export type AttemptSettle = (outcome: AttemptOutcomeClass, status?: number) => void;

/**
 * Runs one HTTP attempt in a CLIENT span with the HTTP semantic-convention attributes and
 * Tandem's; `send` gets the `traceparent` (and `tracestate`) headers of that span to send to the
 * target, so the target's own spans join the delivery's trace, and `settle` to tell how it ended.
 * An attempt outside any span (its run was started untraced) makes none.
 */
export async function traceAttempt<T>(
  info: AttemptTrace,
  send: (traceHeaders: Record<string, string>, settle: AttemptSettle) => Promise<T>,
): Promise<T> {
  if (trace.getActiveSpan() === undefined) return send({}, () => undefined);
  return inSpan(
    SpanName.attempt,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: info.method,
        [ATTR_URL_TEMPLATE]: info.urlTemplate,
        ...serverOf(info.urlTemplate),
        [SpanAttr.deliveryId]: info.deliveryId,
        [SpanAttr.target]: info.target,
        [SpanAttr.attempt]: info.attempt,
        [SpanAttr.phase]: info.phase,
      },
    },
    (span) => {
      const traceHeaders: Record<string, string> = {};
      propagation.inject(context.active(), traceHeaders);
      return send(traceHeaders, (outcome, status) => {
        span.setAttribute(SpanAttr.outcome, outcome);
        if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      });
    },
  );
}
