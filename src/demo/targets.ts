import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_API_NAMES, demoApis, type DemoApi, type DemoOperation } from './apis';
import { answerControl } from './control';
import { answerTime, createFaultTable, type Fault } from './faults';
import { flattenHeaders, readJsonBody, send, type Answer, type ParsedBody } from './http';
import { createIdempotencyStore } from './idempotency';
import {
  createRequestLog,
  type LogEntry,
  type ReceivedRequest,
  type RequestOutcome,
  type WaitForOptions,
} from './request-log';
import { routeOf, type ApiRoute } from './routes';

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

/** The items each demo API holds: create gives the next id, undo deletes it. */
function createItems() {
  const live = new Map<DemoApi, Set<string>>(DEMO_API_NAMES.map((api) => [api, new Set()]));
  const lastId = new Map<DemoApi, number>();
  return {
    ids: (api: DemoApi): string[] => [...(live.get(api) ?? [])],
    create(api: DemoApi, payload: object): Answer {
      const n = (lastId.get(api) ?? 0) + 1;
      lastId.set(api, n);
      const id = `${demoApis[api].idPrefix}_${n}`;
      live.get(api)?.add(id);
      // The id goes last so that a payload carrying its own `id` cannot mask ours.
      return { status: 201, body: { ...payload, id } };
    },
    remove: (api: DemoApi, id: string): Answer =>
      live.get(api)?.delete(id)
        ? { status: 204 }
        : { status: 404, body: { error: `${api} has no live item ${id}` } },
  };
}

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
 * Control routes for humans with curl (see `answerControl`) are not logged, so that watching
 * does not change the log.
 */
export async function startDemoTargets(options: DemoTargetsOptions = {}): Promise<DemoTargets> {
  const host = options.host ?? '127.0.0.1';
  const items = createItems();
  const faults = createFaultTable();
  const idempotency = createIdempotencyStore();
  const log = createRequestLog();
  const stopping = new AbortController();
  // Every delayed answer listens for the stop; a benchmark keeps hundreds waiting at once.
  setMaxListeners(0, stopping.signal);

  const answer = (res: ServerResponse, entry: LogEntry | undefined, reply: Answer): void => {
    if (!send(res, reply) || !entry) return;
    entry.status = reply.status;
    entry.answeredAt = Date.now();
    log.changed();
  };

  /** The action a valid request asks for, or why the request is rejected. */
  const actionFor = (route: ApiRoute, parsed: ParsedBody): (() => Answer) | string => {
    if (!parsed.ok) return parsed.error;
    if (route.operation === 'undo') return () => items.remove(route.api, route.id);
    const payload = parsed.value;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return 'the body of a create must be a JSON object';
    }
    return () => items.create(route.api, payload);
  };

  const handleApi = async (
    route: ApiRoute,
    res: ServerResponse,
    entry: LogEntry,
    parsed: ParsedBody,
  ): Promise<void> => {
    const fault = faults.take(route.api, route.operation);
    const decide = (outcome: RequestOutcome): void => {
      entry.outcome = outcome;
      log.changed();
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
    const previous = await idempotency.previous(key);
    if (previous) {
      decide('replayed');
      return answerWhenDue({
        ...previous,
        headers: { ...previous.headers, 'idempotent-replayed': 'true' },
      });
    }
    const reply = action();
    decide('processed');
    return idempotency.remember(key, reply, answerWhenDue(reply));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now();
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const route = routeOf(method, path);
    const parsed = await readJsonBody(req);
    if (route.kind !== 'api' && route.kind !== 'unknown') {
      return answer(
        res,
        undefined,
        answerControl(route, parsed, { faults, log, liveIds: items.ids }),
      );
    }
    const entry: LogEntry = {
      ...(route.kind === 'api' && { api: route.api, operation: route.operation }),
      method,
      path,
      headers: flattenHeaders(req),
      body: parsed.ok ? parsed.value : parsed.raw,
      at,
    };
    log.add(entry);
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

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve, reject) => {
      // Releases pending latencies and hangs so their handlers finish instead of lingering.
      stopping.abort();
      log.abandonWaits();
      server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive and hanging connections would otherwise hold close() open indefinitely.
      server.closeAllConnections();
    });
    return stopped;
  };

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    live: items.ids,
    setFault(api, operation, fault) {
      const active = faults.set(api, operation, fault);
      if (typeof active === 'string') throw new Error(active);
    },
    clearFaults: () => faults.clear(),
    received: (api, operation) => log.received(api, operation),
    waitFor: (predicate, waitOptions) => log.waitFor(predicate, waitOptions),
    stop,
  };
}
