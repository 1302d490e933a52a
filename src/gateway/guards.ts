/**
 * What a request must pass before its route runs: a URL of sane length, an accepted API key
 * (checked before the body is read), and its key's share of the rate limit. Also how requests
 * no route serves are answered (404, or 405 with `Allow`).
 */
import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/schema';
import { presentedKey, type ApiKey, type ApiKeys, type Scope } from './auth';
import { ProblemError } from './problems';
import { sendProblem } from './refusals';
import type { Route } from './route';

/** Longest request URL (path and query) served; a longer one is answered 414. */
export const MAX_URL_LENGTH = 4096;

/** Matches the concrete paths of an OpenAPI path, to tell a wrong method from a wrong path. */
function matcher(path: string): RegExp {
  return new RegExp('^' + path.replace(/\{\w+\}/g, '[^/]+') + '/?$');
}

/**
 * Refuses a URL over {@link MAX_URL_LENGTH}, then a request without an accepted API key (401) or
 * with one that lacks the route's scope (403). Notes in `callers` which key each request came with.
 */
export function guardRequests(
  app: FastifyInstance,
  keys: ApiKeys,
  callers: WeakMap<FastifyRequest, ApiKey>,
): void {
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.length > MAX_URL_LENGTH) {
      return done(
        new ProblemError(
          'uri-too-long',
          `The URL is ${request.url.length} characters; at most ${MAX_URL_LENGTH} are served.`,
          {
            errors: [
              { in: 'path', path: '', detail: `is longer than ${MAX_URL_LENGTH} characters` },
            ],
          },
        ),
      );
    }
    const { scope } = request.routeOptions.config as { scope?: Scope };
    if (scope === undefined || !keys.required) return done();
    const presented = presentedKey(request.headers);
    const key = presented === undefined ? undefined : keys.find(presented);
    if (key === undefined) return done(unauthorized(presented === undefined));
    if (!key.scopes.includes(scope)) return done(forbidden(key, scope));
    callers.set(request, key);
    done();
  });
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

/**
 * Sheds load per API key (per client address when no keys are configured): past
 * `gateway.rateLimit.requests` in `gateway.rateLimit.per`, a key's requests get 429 with
 * `Retry-After`, so one busy caller cannot slow everyone. Routes without auth (health, metrics,
 * the document) are not limited. Register before the routes.
 */
export async function limitRate(app: FastifyInstance, settings: GatewayConfig): Promise<void> {
  await app.register(rateLimit, {
    max: settings.rateLimit.requests,
    timeWindow: settings.rateLimit.per,
    hook: 'onRequest',
    // The key's digest, never the key: the limiter's store holds no secrets.
    keyGenerator: (request) => {
      const key = presentedKey(request.headers);
      return key ? createHash('sha256').update(key).digest('base64url') : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new ProblemError(
        'too-many-requests',
        `More than ${context.max} requests in ${settings.rateLimit.per / 1000}s for this API key; retry in ${context.after}.`,
        { headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) } },
      ),
  });
}

/** Answers a request no route serves: 405 with `Allow` when the path exists, else 404. */
export function answerUnserved(
  app: FastifyInstance,
  routes: readonly Route[],
  refused: (kind: ProblemError['kind']) => void,
): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = routes.filter((r) => matcher(r.path).test(path)).map((r) => r.method);
    const problem =
      allowed.length > 0
        ? new ProblemError(
            'method-not-allowed',
            `${request.method} is not served here; use ${allowed.join(' or ')}.`,
            { headers: { allow: allowed.join(', ') } },
          )
        : new ProblemError(
            'route-not-found',
            `No route ${request.method} ${path.slice(0, 256)}; see /openapi.json for the routes.`,
          );
    refused(problem.kind);
    return sendProblem(request, reply, problem);
  });
}

/**
 * Answers a request Node's parser refused before Fastify saw it (headers or request line over
 * Node's 16 KiB, a malformed request, a client too slow) with a problem too, then closes.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ProblemError(
          'headers-too-large',
          'The request line and headers exceed what the gateway reads (16 KiB).',
        )
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new ProblemError('request-timeout', 'The request took too long to arrive.')
        : new ProblemError('invalid-request', 'The request is not valid HTTP.');
  const body = JSON.stringify(problem.body());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
