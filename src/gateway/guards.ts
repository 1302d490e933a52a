/**
 * What a request must pass before its route runs, in this order, all before its body is read: a
 * `Host` this gateway answers to (a gateway without keys answers only loopback names), a URL of
 * sane length, a method and path it serves (405 with `Allow`, or 404), an accepted credential
 * (failed attempts throttled per client address), its share of the rate limit, and the scope
 * its route needs.
 */
import type { Socket } from 'node:net';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../contract/config/schema';
import { AUTH_FAILURES_PER_ADDRESS, AUTH_FAILURE_WINDOW_MS } from '../contract/limits';
import { isServedHost, presentedKey, type ApiKey, type ApiKeys, type Scope } from './auth';
import { ProblemError } from './problems';
import { rawAnswer, ThrottledAddresses, tooManyFailures } from './throttled-addresses';
import { sendProblem } from './refusals';
import type { Route } from './route';

/** Longest request URL (path and query) served; a longer one is answered 414. */
export const MAX_URL_LENGTH = 4096;

/** What a route's Fastify `config` says about who may call it. */
export interface RouteGuard {
  /** The scope an API key needs here (when keys are configured); none: open to all. */
  scope?: Scope;
  /**
   * A credential of the route's own, checked in place of an API key even when no key is
   * configured (the Web UI's codec token in the path): whether the request carries it.
   */
  authenticate?: (request: FastifyRequest) => boolean;
  /** `false`: not counted against the rate limit (health, the document). */
  rateLimit?: false;
}

/** Matches the concrete paths of an OpenAPI path, to tell a wrong method from a wrong path. */
function matcher(path: string): RegExp {
  return new RegExp('^' + path.replace(/\{\w+\}/g, '[^/]+') + '/?$');
}

/** The refusal of `method` on `url` when no route serves it: 405 with `Allow`, or 404. */
function unserved(routes: readonly Route[], method: string, url: string): ProblemError {
  const path = url.split('?')[0] ?? '';
  const allowed = routes.filter((r) => matcher(r.path).test(path)).map((r) => r.method);
  return allowed.length > 0
    ? new ProblemError(
        'method-not-allowed',
        `${method.slice(0, 32)} is not served here; use ${allowed.join(' or ')}.`,
        { headers: { allow: allowed.join(', ') } },
      )
    : new ProblemError(
        'route-not-found',
        `No route ${method.slice(0, 32)} ${path.slice(0, 256)}; see /openapi.json for the routes.`,
      );
}

/** What {@link guardRequests} checks requests against. */
export interface GuardOptions {
  keys: ApiKeys;
  /** Where the guard notes which accepted key each request came with. */
  callers: WeakMap<FastifyRequest, ApiKey>;
  settings: GatewayConfig;
  /** The routes served, to answer a method or path none serves. */
  routes: readonly Route[];
}

/**
 * Checks every request in the first hook (`onRequest`), before its body is read, so that a
 * refused request costs no parsing and nothing is started for it. Notes in `callers` which
 * accepted key each request came with (also on open routes, where a key shows more).
 */
export async function guardRequests(app: FastifyInstance, options: GuardOptions): Promise<void> {
  const { keys, callers, settings, routes } = options;
  await app.register(rateLimit, { global: false });
  // Failed authentication, per client address (an IPv6 client by its /56, as it may own all of
  // it): past the allowance, no credential from there is even checked until the window ends.
  const failures = app.createRateLimit({
    max: AUTH_FAILURES_PER_ADDRESS,
    timeWindow: AUTH_FAILURE_WINDOW_MS,
    keyGenerator: (request) => normalizeIP(request.ip),
  });
  // Requests per accepted key, or per client address when none is (the key's name, never the
  // key: the limiter's store holds no secrets, and a made-up key cannot open a fresh bucket).
  const requests = app.createRateLimit({
    max: settings.rateLimit.requests,
    timeWindow: settings.rateLimit.per,
    keyGenerator: (request) => {
      const key = callers.get(request);
      return key === undefined ? `ip:${normalizeIP(request.ip)}` : `key:${key.name}`;
    },
  });
  const hosts = settings.hosts ?? [];
  const throttled = new ThrottledAddresses();
  throttled.refuseConnections(app);

  app.addHook('onRequest', async (request, reply) => {
    try {
      await check(request);
    } catch (error) {
      // The body of a refused request is never read: closing the connection after the answer
      // spares the gateway reading (and a flood sending) what follows on it.
      if (carriesBody(request)) reply.header('connection', 'close');
      throw error;
    }
  });

  async function check(request: FastifyRequest): Promise<void> {
    // A page the operator visits can make the browser send requests here under a name it
    // controls (DNS rebinding); only a gateway without keys lets such requests in unasked.
    if (!keys.required && !isServedHost(request.host, hosts)) throw misdirected(request.host);
    if (request.url.length > MAX_URL_LENGTH) throw uriTooLong(request.url.length);
    if (request.is404) throw unserved(routes, request.method, request.url);

    const guard = request.routeOptions.config as RouteGuard;
    const presented = presentedKey(request.headers);
    const checked =
      guard.authenticate !== undefined ||
      (keys.required && (guard.scope !== undefined || presented !== undefined));
    if (checked) {
      const spent = await failures(request, { increment: false });
      if (!spent.isAllowed && spent.remaining === 0) {
        throttled.throttle(normalizeIP(request.ip), spent.ttl);
        throw tooManyFailures(spent.ttlInSeconds);
      }
      const key = presented === undefined ? undefined : keys.find(presented);
      const accepted = guard.authenticate ? guard.authenticate(request) : key !== undefined;
      if (!accepted) {
        await failures(request);
        throw guard.authenticate ? wrongToken() : unauthorized(presented === undefined);
      }
      if (key !== undefined) callers.set(request, key);
    }

    if (guard.rateLimit !== false) {
      const used = await requests(request);
      if (!used.isAllowed && used.isExceeded) {
        throw tooManyRequests(used.max, settings.rateLimit.per, used.ttlInSeconds);
      }
    }
    const key = callers.get(request);
    if (guard.scope !== undefined && key !== undefined && !key.scopes.includes(guard.scope)) {
      throw forbidden(key, guard.scope);
    }
  }
}

/** Whether a request says a body follows its head. */
function carriesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (
    (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined
  );
}

/** A 421: a keyless gateway asked under a name that is not its own. */
function misdirected(host: string | undefined): ProblemError {
  return new ProblemError(
    'misdirected-request',
    `This gateway requires no API key, so it answers only to loopback names (localhost, ` +
      `127.0.0.1, [::1]) and gateway.hosts; "${(host ?? '').slice(0, 256)}" is none of them.`,
    { errors: [{ in: 'header', path: 'Host', detail: 'is not a name this gateway answers to' }] },
  );
}

/** A 414. */
function uriTooLong(length: number): ProblemError {
  return new ProblemError(
    'uri-too-long',
    `The URL is ${length} characters; at most ${MAX_URL_LENGTH} are served.`,
    { errors: [{ in: 'path', path: '', detail: `is longer than ${MAX_URL_LENGTH} characters` }] },
  );
}

/** A 401: no key, or one that is not accepted. */
function unauthorized(missing: boolean): ProblemError {
  return new ProblemError(
    'unauthorized',
    missing
      ? 'Send an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.'
      : 'The API key is not one this gateway accepts.',
    {
      errors: [
        {
          in: 'header',
          path: 'Authorization',
          detail: missing ? 'is missing' : 'holds a key that is not accepted',
        },
      ],
      headers: { 'www-authenticate': 'Bearer realm="tandem"' },
    },
  );
}

/** A 401 of a route with a credential of its own (the codec token in the path). */
function wrongToken(): ProblemError {
  return new ProblemError('unauthorized', 'This codec endpoint is not one this gateway serves.', {
    errors: [{ in: 'path', path: 'token', detail: 'is not the codec.ui token' }],
  });
}

/** A 403: an accepted key without the scope the route needs, naming both. */
function forbidden(key: ApiKey, scope: Scope): ProblemError {
  return new ProblemError(
    'forbidden',
    `The API key "${key.name}" may ${key.scopes.join(', ')}; this route needs the "${scope}" scope.`,
    {
      missingScope: scope,
      keyName: key.name,
      errors: [
        { in: 'header', path: 'Authorization', detail: `holds a key without the "${scope}" scope` },
      ],
    },
  );
}

/** A 429 for a key (or, without one, an address) past its share of the rate limit. */
function tooManyRequests(max: number, perMs: number, retryAfterSeconds: number): ProblemError {
  return new ProblemError(
    'too-many-requests',
    `More than ${max} requests in ${perMs / 1000}s for this API key; retry in ${retryAfterSeconds}s.`,
    { headers: { 'retry-after': String(Math.max(1, retryAfterSeconds)) } },
  );
}

/**
 * Answers a request no route serves (405 with `Allow`, or 404), should it get past
 * {@link guardRequests}, which refuses those first.
 */
export function answerUnserved(
  app: FastifyInstance,
  routes: readonly Route[],
  refused: (kind: ProblemError['kind']) => void,
): void {
  app.setNotFoundHandler((request, reply) => {
    const problem = unserved(routes, request.method, request.url);
    refused(problem.kind);
    return sendProblem(request, reply, problem);
  });
}

/** An HTTP method token (RFC 9110), as a client may send one Node's parser does not know. */
const METHOD_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}) (\S{1,4096}) HTTP\/1\.[01]\r?\n/;

/**
 * How requests Node's parser refused before Fastify saw them are answered, with a problem too,
 * then the connection closed: a method Node does not know (`FOO`) as any unserved method (405
 * with `Allow`, or 404, before its body is read), headers or request line over Node's 16 KiB,
 * a malformed request, a client too slow.
 */
export function answerClientError(
  routes: () => readonly Route[],
): (error: Error & { code?: string; rawPacket?: unknown }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const line =
      error.code === 'HPE_INVALID_METHOD' && Buffer.isBuffer(error.rawPacket)
        ? METHOD_LINE.exec(error.rawPacket.subarray(0, 8192).toString('latin1'))
        : null;
    const problem =
      line !== null
        ? unserved(routes(), line[1]!, line[2]!)
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? new ProblemError(
              'headers-too-large',
              'The request line and headers exceed what the gateway reads (16 KiB).',
            )
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? new ProblemError('request-timeout', 'The request took too long to arrive.')
            : new ProblemError('invalid-request', 'The request is not valid HTTP.');
    if (socket.writable) socket.write(rawAnswer(problem));
    socket.destroy(error);
  };
}
