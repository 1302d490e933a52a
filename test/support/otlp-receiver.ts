import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, attributes flattened to a record. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  events: { name: string; attributes: Record<string, string | number | boolean> }[];
  links: { traceId: string; spanId: string }[];
}

/** An OTLP/HTTP receiver on 127.0.0.1: what exporters sent to `/v1/traces`. */
export interface OtlpReceiver {
  /** The base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  url: string;
  /** The spans of every `http/json` export so far. */
  spans(): ReceivedSpan[];
  /** Every request body as received (for sweeps), with its content type. */
  bodies(): { contentType: string; body: Buffer }[];
  stop(): Promise<void>;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type OtlpAttributes = { key: string; value: OtlpValue }[] | undefined;

function attributesOf(list: OtlpAttributes): Record<string, string | number | boolean> {
  return Object.fromEntries(
    (list ?? []).map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
        value.boolValue ??
        value.doubleValue ??
        JSON.stringify(value),
    ]),
  );
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts an OTLP/HTTP receiver that decodes `http/json` exports and keeps every body. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: { contentType: string; body: Buffer }[] = [];
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      const contentType = req.headers['content-type'] ?? '';
      bodies.push({ contentType, body });
      if (req.url === '/v1/traces' && contentType.includes('json')) {
        const exported = JSON.parse(body.toString('utf8')) as {
          resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
        };
        for (const resource of exported.resourceSpans) {
          for (const scope of resource.scopeSpans) {
            for (const span of scope.spans) {
              spans.push({
                traceId: span.traceId as string,
                spanId: span.spanId as string,
                parentSpanId: (span.parentSpanId as string | undefined) ?? '',
                name: span.name as string,
                kind: span.kind as number,
                attributes: attributesOf(span.attributes as OtlpAttributes),
                events: ((span.events ?? []) as { name: string; attributes: OtlpAttributes }[]).map(
                  (event) => ({ name: event.name, attributes: attributesOf(event.attributes) }),
                ),
                links: ((span.links ?? []) as { traceId: string; spanId: string }[]).map(
                  ({ traceId, spanId }) => ({ traceId, spanId }),
                ),
              });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    bodies: () => [...bodies],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
