/**
 * The bench's targets, in a process of their own so their CPU is neither the driver's nor the
 * workers'. `POST /t/<name>` answers 201 with an id after the current latency; `DELETE
 * /t/<name>/<id>` answers 204; `POST /reject` answers 422 (a permanent refusal). Control:
 * `PUT /_latency` `{ "latencyMs": n }`; `GET /_log` returns, per `X-Tandem-Delivery`, when its
 * first request arrived and its last answer left (`Date.now()`), and clears the log. `POST
 * /v1/traces` takes a traced row's spans (OTLP over HTTP) and drops them.
 */
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { TANDEM_HEADERS } from '../src/contract/contracts';
import { announceReady, runMain, serveJson, type JsonAnswer } from './processes';

let latencyMs = 0;
let nextId = 0;
/** Delivery id → [first request at, last answer at]. */
let log = new Map<string, [number, number]>();

async function answer({ method, url = '' }: IncomingMessage, body: string): Promise<JsonAnswer> {
  if (method === 'PUT' && url === '/_latency') {
    latencyMs = (JSON.parse(body) as { latencyMs: number }).latencyMs;
    return [204];
  }
  if (method === 'GET' && url === '/_log') {
    const entries = Object.fromEntries(log);
    log = new Map();
    return [200, entries];
  }
  if (method === 'POST' && url === '/reject') return [422, { error: 'refused' }];
  if (method === 'POST' && url === '/v1/traces') return [200, {}];
  if (!url.startsWith('/t/')) return [404, { error: `no route ${url}` }];
  if (latencyMs > 0) await sleep(latencyMs);
  if (method === 'POST') return [201, { id: `r${++nextId}` }];
  if (method === 'DELETE') return [204];
  return [405, { error: `${method} not allowed` }];
}

async function main(): Promise<void> {
  const url = await serveJson(async (request, body) => {
    const at = Date.now();
    const answered = await answer(request, body);
    const id = request.headers[TANDEM_HEADERS.delivery];
    if (typeof id === 'string') {
      const seen = log.get(id) ?? [at, 0];
      log.set(id, [Math.min(seen[0], at), Math.max(seen[1], Date.now())]);
    }
    return answered;
  });
  announceReady({ url });
}

runMain(main);
