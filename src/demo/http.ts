import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the demo targets answer: a status, an optional JSON body and extra headers. */
export interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request body: parsed JSON (`undefined` when empty), or the raw text and why it is not JSON. */
export type ParsedBody =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly raw: string; readonly error: string };

/** Reads the whole body and parses it as JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<ParsedBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (error) {
    return { ok: false, raw, error: `malformed JSON body: ${(error as Error).message}` };
  }
}

/** The request's headers, names lower-cased and repeated values joined with `, `. */
export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Sends `reply`; returns `false` when the client has gone (during a latency or hang) and it is lost. */
export function send(res: ServerResponse, reply: Answer): boolean {
  if (res.destroyed || res.writableEnded) return false;
  const hasBody = reply.body !== undefined && reply.status !== 204;
  res.writeHead(reply.status, {
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
    ...reply.headers,
  });
  res.end(hasBody ? JSON.stringify(reply.body) : undefined);
  return true;
}
