import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * The two demo APIs served by {@link startDemoTargets}: where each one's collection lives and
 * how its ids look. Configs built for the demo (tests, benchmark, `tandem dev`) take their
 * paths from here so they cannot drift from the server.
 */
export const demoApis = {
  inventory: { path: '/inventory/reservations', idPrefix: 'res' },
  shipping: { path: '/shipping/shipments', idPrefix: 'shp' },
} as const;

/** Name of a demo API: `inventory` or `shipping`. */
export type DemoApi = keyof typeof demoApis;

/** What a request asks of a demo API: `create` is the POST, `undo` the compensating DELETE. */
export type DemoOperation = 'create' | 'undo';

const apiNames = Object.keys(demoApis) as DemoApi[];
const operations: readonly DemoOperation[] = ['create', 'undo'];

const faultSchema = z
  .strictObject({
    status: z.number().int().min(200).max(599).optional(),
    times: z.number().int().positive().optional(),
    latencyMs: z.number().int().nonnegative().optional(),
    retryAfter: z.string().min(1).optional(),
    hang: z.boolean().optional(),
    body: z.unknown().optional(),
  })
  .refine((f) => f.status !== undefined || (f.retryAfter === undefined && f.body === undefined), {
    message: 'retryAfter and body are only sent with a status',
  });

/**
 * A fault injected into one operation of one demo API. Two independent questions:
 *
 * - Is the request processed? With `status`, no: it is answered with that status (plus
 *   `retryAfter` as the `Retry-After` header and `body`, default `{ error, status }`) and nothing
 *   is created or deleted. Without `status`, it is processed normally.
 * - When is it answered? After `latencyMs`, or never with `hang`. A processed request acts
 *   first, then waits, then answers: this models "the request was processed but the answer was
 *   lost" when the client times out. A faulted request waits, then answers with the fault.
 *
 * `times` applies the fault to the next N requests to that operation (every request counts,
 * with or without an `Idempotency-Key`), after which the operation behaves normally again;
 * without it the fault stays until cleared. Faults come before deduplication: a repeated
 * `Idempotency-Key` meeting a fault with a status gets the fault, as from a failing proxy in
 * front of the API.
 */
export type Fault = z.infer<typeof faultSchema>;

/** How a logged request was handled. */
export type RequestOutcome = 'processed' | 'replayed' | 'faulted' | 'rejected';

/** One request received by the demo targets, as logged by {@link DemoTargets.received}. */
export interface ReceivedRequest {
  /** Absent when the path matched no demo API operation (answered 404). */
  readonly api?: DemoApi;
  readonly operation?: DemoOperation;
  readonly method: string;
  /** Path and query string as sent. */
  readonly path: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body parsed as JSON, the raw text when it is not JSON, `undefined` when empty. */
  readonly body: unknown;
  /** `Date.now()` when the request arrived. */
  readonly at: number;
  /**
   * `processed`: acted on (created, deleted, or 404 for an unknown id); `replayed`: answered
   * from the stored answer of an earlier request with the same `Idempotency-Key`; `faulted`:
   * answered by an injected fault; `rejected`: malformed body or unknown route.
   * Absent while a duplicate waits for the first request with its key.
   */
  readonly outcome?: RequestOutcome;
  /** `Date.now()` when the answer was sent; absent while pending or when it never was. */
  readonly answeredAt?: number;
  /** Status sent; absent while pending or when the answer was never sent. */
  readonly status?: number;
}

/** Options of {@link DemoTargets.waitFor}. */
export interface WaitForOptions {
  /** How many logged requests must match; default 1. */
  readonly count?: number;
  /** Give up after this long; default 10 000 ms. */
  readonly timeoutMs?: number;
}

/** A running demo targets server and the in-process controls tests use. */
export interface DemoTargets {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:4001`. */
  readonly url: string;
  /** Ids created on `api` and not yet deleted, in creation order. */
  live(api: DemoApi): string[];
  /** Injects `fault` into `operation` of `api`, replacing any fault there. Throws on an invalid fault. */
  setFault(api: DemoApi, operation: DemoOperation, fault: Fault): void;
  /** Removes every injected fault. */
  clearFaults(): void;
  /** Snapshot of the log, in arrival order, optionally narrowed to one API and operation. */
  received(api?: DemoApi, operation?: DemoOperation): ReceivedRequest[];
  /**
   * Resolves with the logged requests matching `predicate` as soon as there are `count` of
   * them, re-checking whenever a request arrives, is handled or is answered. Rejects with the
   * requests seen so far when `timeoutMs` passes first, or when the server stops. A number
   * is shorthand for `{ timeoutMs }`.
   */
  waitFor(
    predicate: (request: ReceivedRequest) => boolean,
    options?: WaitForOptions | number,
  ): Promise<ReceivedRequest[]>;
  /** Stops listening and destroys every open connection, hanging requests included. */
  stop(): Promise<void>;
}

/** Options of {@link startDemoTargets}. */
export interface DemoTargetsOptions {
  /** Port to listen on; default 0, a free port chosen by the OS. */
  readonly port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

type LogEntry = { -readonly [K in keyof ReceivedRequest]: ReceivedRequest[K] };

interface Waiter {
  check(): void;
  abandon(reason: Error): void;
}

interface ActiveFault {
  readonly api: DemoApi;
  readonly operation: DemoOperation;
  readonly fault: Fault;
  remaining: number | undefined;
}

type ApiRoute =
  | { readonly kind: 'api'; readonly api: DemoApi; readonly operation: 'create' }
  | {
      readonly kind: 'api';
      readonly api: DemoApi;
      readonly operation: 'undo';
      readonly id: string;
    };

type ControlRoute =
  | { readonly kind: 'log' | 'live' | 'listFaults' | 'clearFaults' }
  | { readonly kind: 'setFault'; readonly api: string; readonly operation: string };

type Route = ApiRoute | ControlRoute | { readonly kind: 'unknown' };

type ParsedBody =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly raw: string; readonly error: string };

/**
 * Starts one HTTP server playing two demo APIs, for the integration tests, the benchmark and
 * `npm start`:
 *
 * - inventory: `POST /inventory/reservations` with a JSON object → `201 { ...body, id: 'res_<n>' }`;
 *   `DELETE /inventory/reservations/:id` → `204`, or `404` when unknown or already deleted.
 * - shipping: the same at `/shipping/shipments`, with ids `shp_<n>`.
 * - anything else → `404` JSON; a body that is not JSON (or a create body that is not an
 *   object) → `400`.
 *
 * A request whose `Idempotency-Key` (scoped per API and operation) was already processed gets
 * the stored answer again (same status and body, plus `Idempotent-Replayed: true`) without
 * acting again. One arriving while the first request with its key is still pending (e.g. in
 * its latency) waits until that one is answered, or its client has gone, then gets the same
 * answer. Faulted and rejected requests store nothing, so a retry after a transient fault is
 * processed normally. Requests without the header are always processed.
 *
 * Control routes for humans with curl, not logged so that watching does not change the log:
 * `PUT /_faults/:api/:operation` with a {@link Fault} as JSON, `GET /_faults`,
 * `DELETE /_faults`, `GET /_log`, `GET /_live`.
 */
export async function startDemoTargets(options: DemoTargetsOptions = {}): Promise<DemoTargets> {
  const host = options.host ?? '127.0.0.1';
  const live = new Map<DemoApi, Set<string>>(apiNames.map((api) => [api, new Set()]));
  const lastId = new Map<DemoApi, number>();
  const faults = new Map<string, ActiveFault>();
  const stored = new Map<string, Answer>();
  // Keys whose first request is still pending; duplicates await its settling, then replay.
  const settling = new Map<string, Promise<void>>();
  const log: LogEntry[] = [];
  const waiters = new Set<Waiter>();
  const stopping = new AbortController();
  // Every delayed answer listens for the stop; a benchmark keeps hundreds waiting at once.
  setMaxListeners(0, stopping.signal);

  const notify = (): void => {
    for (const waiter of waiters) waiter.check();
  };

  const liveIds = (api: DemoApi): string[] => [...(live.get(api) ?? [])];

  const setFault = (api: DemoApi, operation: DemoOperation, fault: Fault): void => {
    const result = faultSchema.safeParse(fault);
    if (!result.success) throw new Error(invalidFault(api, operation, result.error));
    const parsed = result.data;
    faults.set(faultKey(api, operation), {
      api,
      operation,
      fault: parsed,
      remaining: parsed.times,
    });
  };

  // Every request to the operation counts towards `times`, so "the next N" is what the client sees.
  const takeFault = (api: DemoApi, operation: DemoOperation): Fault | undefined => {
    const key = faultKey(api, operation);
    const active = faults.get(key);
    if (!active) return undefined;
    if (active.remaining !== undefined) {
      active.remaining -= 1;
      if (active.remaining === 0) faults.delete(key);
    }
    return active.fault;
  };

  const create = (api: DemoApi, payload: object): Answer => {
    const n = (lastId.get(api) ?? 0) + 1;
    lastId.set(api, n);
    const id = `${demoApis[api].idPrefix}_${n}`;
    live.get(api)?.add(id);
    // The id goes last so that a payload carrying its own `id` cannot mask ours.
    return { status: 201, body: { ...payload, id } };
  };

  const remove = (api: DemoApi, id: string): Answer =>
    live.get(api)?.delete(id)
      ? { status: 204 }
      : { status: 404, body: { error: `${api} has no live item ${id}` } };

  /** The action a valid request asks for, or why the request is rejected. */
  const actionFor = (route: ApiRoute, parsed: ParsedBody): (() => Answer) | string => {
    if (!parsed.ok) return parsed.error;
    if (route.operation === 'undo') return () => remove(route.api, route.id);
    const payload = parsed.value;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return 'the body of a create must be a JSON object';
    }
    return () => create(route.api, payload);
  };

  const answer = (res: ServerResponse, entry: LogEntry | undefined, reply: Answer): void => {
    // The client may have given up during the latency or hang: that answer is lost.
    if (res.destroyed || res.writableEnded) return;
    const hasBody = reply.body !== undefined && reply.status !== 204;
    res.writeHead(reply.status, {
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...reply.headers,
    });
    res.end(hasBody ? JSON.stringify(reply.body) : undefined);
    if (entry) {
      entry.status = reply.status;
      entry.answeredAt = Date.now();
      notify();
    }
  };

  const handleApi = async (
    route: ApiRoute,
    res: ServerResponse,
    entry: LogEntry,
    parsed: ParsedBody,
  ): Promise<void> => {
    const fault = takeFault(route.api, route.operation);
    const decide = (outcome: RequestOutcome): void => {
      entry.outcome = outcome;
      notify();
    };
    const answerWhenDue = async (reply: Answer): Promise<void> => {
      await answerTime(fault, res, stopping.signal);
      answer(res, entry, reply);
    };

    if (fault?.status !== undefined) {
      decide('faulted');
      return answerWhenDue({
        status: fault.status,
        body: fault.body ?? { error: 'injected fault', status: fault.status },
        ...(fault.retryAfter !== undefined && { headers: { 'retry-after': fault.retryAfter } }),
      });
    }
    const action = actionFor(route, parsed);
    if (typeof action === 'string') {
      decide('rejected');
      return answerWhenDue({ status: 400, body: { error: action } });
    }
    const header = entry.headers['idempotency-key'];
    if (header === undefined) {
      const reply = action();
      decide('processed');
      return answerWhenDue(reply);
    }

    const key = `${route.api}.${route.operation}:${header}`;
    for (let pending = settling.get(key); pending; pending = settling.get(key)) await pending;
    const previous = stored.get(key);
    if (previous) {
      decide('replayed');
      return answerWhenDue({
        ...previous,
        headers: { ...previous.headers, 'idempotent-replayed': 'true' },
      });
    }
    const reply = action();
    stored.set(key, reply);
    decide('processed');
    const answered = answerWhenDue(reply).finally(() => settling.delete(key));
    settling.set(key, answered);
    return answered;
  };

  const handleControl = (route: ControlRoute, res: ServerResponse, parsed: ParsedBody): void => {
    switch (route.kind) {
      case 'log':
        return answer(res, undefined, { status: 200, body: log });
      case 'live':
        return answer(res, undefined, {
          status: 200,
          body: Object.fromEntries(apiNames.map((api) => [api, liveIds(api)])),
        });
      case 'listFaults':
        return answer(res, undefined, { status: 200, body: [...faults.values()] });
      case 'clearFaults':
        faults.clear();
        return answer(res, undefined, { status: 204 });
      case 'setFault': {
        const api = apiNames.find((name) => name === route.api);
        const operation = operations.find((name) => name === route.operation);
        if (!api || !operation) {
          const error = `no fault target ${route.api}/${route.operation}: use ${apiNames.join('|')} and ${operations.join('|')}`;
          return answer(res, undefined, { status: 404, body: { error } });
        }
        if (!parsed.ok) {
          return answer(res, undefined, { status: 400, body: { error: parsed.error } });
        }
        const result = faultSchema.safeParse(parsed.value);
        if (!result.success) {
          const error = invalidFault(api, operation, result.error);
          return answer(res, undefined, { status: 400, body: { error } });
        }
        setFault(api, operation, result.data);
        return answer(res, undefined, { status: 200, body: faults.get(faultKey(api, operation)) });
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now();
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const route = routeOf(method, path);
    const parsed = parseBody(await readBody(req));
    if (route.kind !== 'api' && route.kind !== 'unknown') return handleControl(route, res, parsed);

    const entry: LogEntry = {
      ...(route.kind === 'api' && { api: route.api, operation: route.operation }),
      method,
      path,
      headers: flattenHeaders(req),
      body: parsed.ok ? parsed.value : parsed.raw,
      at,
    };
    log.push(entry);
    notify();
    if (route.kind === 'api') return handleApi(route, res, entry, parsed);
    entry.outcome = 'rejected';
    answer(res, entry, { status: 404, body: { error: `no route for ${method} ${path}` } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      answer(res, undefined, { status: 500, body: { error: String(error) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const waitFor: DemoTargets['waitFor'] = (predicate, waitOptions = {}) => {
    const { count = 1, timeoutMs = 10_000 } =
      typeof waitOptions === 'number' ? { timeoutMs: waitOptions } : waitOptions;
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      const waiter: Waiter = {
        check: () => {
          let matches: LogEntry[];
          try {
            matches = log.filter(predicate);
          } catch (error) {
            waiter.abandon(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (matches.length < count) return;
          finish();
          resolve(matches.map((e) => ({ ...e })));
        },
        abandon: (reason) => {
          finish();
          reject(reason);
        },
      };
      const timer = setTimeout(() => {
        const wanted = `${count} matching request${count === 1 ? '' : 's'}`;
        const error = `Timed out after ${timeoutMs} ms waiting for ${wanted} to the demo targets; received: ${describeLog(log)}`;
        waiter.abandon(new Error(error));
      }, timeoutMs);
      waiters.add(waiter);
      waiter.check();
    });
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve, reject) => {
      // Releases pending latencies and hangs so their handlers finish instead of lingering.
      stopping.abort();
      for (const waiter of waiters) {
        const error = `The demo targets stopped before the awaited requests arrived; received: ${describeLog(log)}`;
        waiter.abandon(new Error(error));
      }
      server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive and hanging connections would otherwise hold close() open indefinitely.
      server.closeAllConnections();
    });
    return stopped;
  };

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    live: liveIds,
    setFault,
    clearFaults: () => faults.clear(),
    received: (api, operation) =>
      log
        .filter(
          (e) =>
            (api === undefined || e.api === api) &&
            (operation === undefined || e.operation === operation),
        )
        .map((e) => ({ ...e })),
    waitFor,
    stop,
  };
}

function faultKey(api: DemoApi, operation: DemoOperation): string {
  return `${api}.${operation}`;
}

function invalidFault(api: DemoApi, operation: DemoOperation, error: z.ZodError): string {
  return `invalid fault for ${api} ${operation}: ${z.prettifyError(error)}`;
}

function routeOf(method: string, path: string): Route {
  const segments = new URL(path, 'http://demo').pathname.split('/').filter(Boolean);
  const [first, second, third, fourth] = segments;
  if (method === 'GET' && segments.length === 1 && first === '_log') return { kind: 'log' };
  if (method === 'GET' && segments.length === 1 && first === '_live') return { kind: 'live' };
  if (first === '_faults' && segments.length === 1) {
    if (method === 'GET') return { kind: 'listFaults' };
    if (method === 'DELETE') return { kind: 'clearFaults' };
  }
  if (first === '_faults' && segments.length === 3 && method === 'PUT') {
    return { kind: 'setFault', api: second ?? '', operation: third ?? '' };
  }
  for (const api of apiNames) {
    const [apiSegment, collection] = demoApis[api].path.split('/').filter(Boolean);
    if (first !== apiSegment || second !== collection || fourth !== undefined) continue;
    if (third === undefined && method === 'POST') return { kind: 'api', api, operation: 'create' };
    if (third !== undefined && method === 'DELETE') {
      return { kind: 'api', api, operation: 'undo', id: third };
    }
  }
  return { kind: 'unknown' };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string): ParsedBody {
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (error) {
    return { ok: false, raw, error: `malformed JSON body: ${(error as Error).message}` };
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Resolves when the answer is due, or once it can no longer be delivered (client gone, stop). */
function answerTime(
  fault: Fault | undefined,
  res: ServerResponse,
  stopping: AbortSignal,
): Promise<void> {
  if (!fault?.hang && !fault?.latencyMs) return Promise.resolve();
  if (res.destroyed || stopping.aborted) return Promise.resolve();
  const dueAt = Date.now() + (fault.latencyMs ?? 0);
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const due = (): void => {
      clearTimeout(timer);
      res.off('close', due);
      stopping.removeEventListener('abort', due);
      resolve();
    };
    // Timers count from the event loop's cached clock and can fire a millisecond or two early
    // by the wall clock; re-arming keeps the promise that `answeredAt - at >= latencyMs`.
    const waitUntilDue = (): void => {
      const left = dueAt - Date.now();
      if (left > 0) timer = setTimeout(waitUntilDue, left);
      else due();
    };
    res.once('close', due);
    stopping.addEventListener('abort', due);
    if (!fault.hang) waitUntilDue();
  });
}

function describeLog(log: readonly ReceivedRequest[]): string {
  if (log.length === 0) return 'nothing';
  return log.map((e) => `${e.method} ${e.path} → ${e.status ?? e.outcome ?? 'pending'}`).join('; ');
}
