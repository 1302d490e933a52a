/**
 * The bench's targets, in a process of their own so their CPU is neither the driver's nor the
 * workers'. `POST /t/<name>` answers 201 with an id after the current latency; `DELETE
 * /t/<name>/<id>` answers 204; `POST /reject` answers 422 (a permanent refusal). Control:
 * `PUT /_latency` `{ "latencyMs": n }`; `GET /_log` returns, per `X-Tandem-Delivery`, when its
 * first request arrived and its last answer left (`Date.now()`), and clears the log.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TANDEM_HEADERS } from '../src/contract/contracts';

let latencyMs = 0;
let nextId = 0;
/** Delivery id → [first request at, last answer at]. */
let log = new Map<string, [number, number]>();

function record(request: IncomingMessage, at: number, answeredAt: number): void {
  const id = request.headers[TANDEM_HEADERS.delivery];
  if (typeof id !== 'string') return;
  const seen = log.get(id);
  log.set(id, [Math.min(seen?.[0] ?? at, at), Math.max(seen?.[1] ?? answeredAt, answeredAt)]);
}

function answer(response: ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...(body !== undefined && { 'content-type': 'application/json' }),
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const at = Date.now();
  let body = '';
  for await (const chunk of request) body += String(chunk);
  const { method, url = '' } = request;
  if (method === 'PUT' && url === '/_latency') {
    latencyMs = (JSON.parse(body) as { latencyMs: number }).latencyMs;
    return answer(response, 204);
  }
  if (method === 'GET' && url === '/_log') {
    const entries = Object.fromEntries(log);
    log = new Map();
    return answer(response, 200, entries);
  }
  if (method === 'POST' && url === '/reject') {
    answer(response, 422, { error: 'refused' });
    return record(request, at, Date.now());
  }
  if (!url.startsWith('/t/')) return answer(response, 404, { error: `no route ${url}` });
  if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
  if (method === 'POST') answer(response, 201, { id: `r${++nextId}` });
  else if (method === 'DELETE') answer(response, 204);
  else answer(response, 405, { error: `${method} not allowed` });
  record(request, at, Date.now());
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) =>
    answer(response, 500, { error: String(error) }),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`bench-ready ${JSON.stringify({ url: `http://127.0.0.1:${port}` })}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
