/** Reading a trace back from Jaeger's query API, as the observability and cluster tiers do. */
import { until } from './wait';

/** An attribute's value as OTLP carries it, flattened to its JSON value. */
export type AttributeValue = string | number | boolean | AttributeValue[] | null;

/** One span as Jaeger's query API returns it, its attributes flattened to a record. */
export interface TraceSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Absent for the trace's root. */
  readonly parentSpanId?: string;
  readonly name: string;
  /** The `service.name` of the process that sent it. */
  readonly service: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly events: readonly { name: string; attributes: Record<string, AttributeValue> }[];
  readonly links: readonly { traceId: string; spanId: string }[];
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: OtlpAttribute[];
  events?: { name: string; attributes?: OtlpAttribute[] }[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number | string };
}
interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

function flatValue(value: OtlpValue): AttributeValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(flatValue);
  return null;
}

const flat = (attributes: OtlpAttribute[] = []) =>
  Object.fromEntries(attributes.map(({ key, value }) => [key, flatValue(value)]));

/** OTLP's status codes by name, as the JSON form may spell them. */
const STATUS_CODES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

/** The trace from Jaeger's v3 query API (OTLP JSON); no spans while Jaeger has none of it. */
async function fetchTrace(base: string, traceId: string): Promise<TraceSpan[]> {
  const response = await fetch(`${base}/api/v3/traces/${traceId}`);
  if (response.status === 404) return [];
  const text = await response.text();
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} for ${traceId}: ${text}`);
  // The gRPC gateway wraps each message of the stream in `result`; a stream has one per chunk.
  const chunks = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { result?: OtlpTraces }).result ?? {});
  return chunks.flatMap((traces) =>
    (traces.resourceSpans ?? []).flatMap((resourceSpans) => {
      const service = String(flat(resourceSpans.resource?.attributes)['service.name'] ?? '');
      return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
        (scope.spans ?? []).map((span): TraceSpan => ({
          traceId: span.traceId,
          spanId: span.spanId,
          ...(span.parentSpanId && { parentSpanId: span.parentSpanId }),
          name: span.name,
          service,
          attributes: flat(span.attributes),
          events: (span.events ?? []).map((event) => ({
            name: event.name,
            attributes: flat(event.attributes),
          })),
          links: (span.links ?? []).map(({ traceId: t, spanId }) => ({ traceId: t, spanId })),
          statusCode:
            typeof span.status?.code === 'string'
              ? (STATUS_CODES[span.status.code] ?? 0)
              : (span.status?.code ?? 0),
        })),
      );
    }),
  );
}

/**
 * The spans of trace `traceId` (32 hex digits) from the Jaeger whose query API is at `base`,
 * waiting until Jaeger has them and `ready` holds (default: any span), since exporters send in
 * batches.
 */
export function queryTrace(
  base: string,
  traceId: string,
  ready: (spans: readonly TraceSpan[]) => boolean = (spans) => spans.length > 0,
  timeoutMs = 30_000,
): Promise<TraceSpan[]> {
  return until(() => fetchTrace(base, traceId), ready, {
    timeoutMs,
    message: (spans) =>
      `Jaeger at ${base} never had the trace ${traceId} asked for; it has ${spans.length} span(s): ${spans.map((span) => span.name).join(', ')}`,
    intervalMs: 250,
  });
}
