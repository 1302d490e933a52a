import type { AddressInfo } from 'node:net';
import type { Connection } from '@temporalio/client';
import {
  fastify,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { gatewaySettings, type TandemConfig } from '../config/schema';
import {
  DeliveryActionRefusedError,
  DeliveryConflictError,
  DeliveryNotFoundError,
  InvalidDeliveryError,
  UnknownTargetError,
} from '../errors';
import { ApiKeys, GatewaySetupError, isLoopback, presentedKey } from './auth';
import { GatewayMetrics } from './metrics';
import { openApiDocument, type OpenApiDocument } from './openapi';
import { invalidRequest, parsePart, ProblemError } from './problems';
import type { Route } from './route';
import { gatewayRoutes } from './routes';
import {
  acceptedSchema,
  cancelRequestSchema,
  deliveryListSchema,
  deliveryRequestSchema,
  deliverySchema,
  fieldErrorSchema,
  healthSchema,
  legSchema,
  problemSchema,
  resolveRequestSchema,
  retryRequestSchema,
  summarySchema,
  type FieldError,
} from './schemas';
import { isTemporalUnavailable, TemporalLink, type Deadlines } from './temporal';

/** The version of the HTTP API (its paths start with `/v1`). */
export const API_VERSION = '1.0.0';

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  config: TandemConfig;
  /** A client connection to Temporal; the gateway does not close it. */
  connection: Connection;
  /** Accepted API keys; none lets every request in (allowed on a loopback address only). */
  apiKeys: readonly string[];
  /** Fastify's logger: `false` (default) or pino options such as `{ level: 'info' }`. */
  logger?: boolean | { level: string };
  /** Deadlines of the calls to Temporal; mostly for tests. */
  deadlines?: Partial<Deadlines>;
}

/** A gateway, built and not yet listening. */
export interface Gateway {
  readonly app: FastifyInstance;
  readonly openapi: OpenApiDocument;
  readonly metrics: GatewayMetrics;
  /** Whether requests need an API key. */
  readonly requiresApiKey: boolean;
  /** Whether Temporal answers now (what `/healthz` reports). */
  health(): Promise<{ reachable: boolean; error?: string }>;
  /**
   * Listens on `host:port` (default: the config's `gateway` section) and returns the base URL.
   * Throws a {@link GatewaySetupError} when no API key is configured and `host` is not loopback.
   */
  listen(at?: { host?: string; port?: number }): Promise<string>;
  /** Stops accepting requests and lets those in flight finish. */
  close(): Promise<void>;
}

const PROBLEM_JSON = 'application/problem+json';

/** A refusal or failure as the problem it is answered with. */
function problemOf(error: unknown, bodyLimit: number): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof DeliveryNotFoundError) {
    return new ProblemError('delivery-not-found', error.message, {
      errors: [{ in: 'path', path: 'id', detail: 'is not the id of any delivery' }],
    });
  }
  if (error instanceof DeliveryConflictError) {
    return new ProblemError('delivery-conflict', error.message, {
      deliveryId: error.deliveryId,
      errors: [
        {
          in: 'body',
          path: 'id',
          pointer: '#/id',
          detail: 'was already used with other targets or another payload',
        },
      ],
    });
  }
  if (error instanceof DeliveryActionRefusedError) {
    return new ProblemError('action-refused', error.message, {
      deliveryId: error.deliveryId,
      action: error.action,
    });
  }
  if (error instanceof InvalidDeliveryError) {
    return invalidRequest(
      error.issues.map((issue) => {
        const [path = '', ...detail] = issue.split(': ');
        return { in: 'body', path, pointer: `#/${path}`, detail: detail.join(': ') };
      }),
    );
  }
  if (error instanceof UnknownTargetError) {
    return new ProblemError('unknown-target', error.message, {
      unknownTargets: [...error.unknown],
      knownTargets: [...error.known],
    });
  }
  if (isTemporalUnavailable(error)) {
    return new ProblemError(
      'temporal-unavailable',
      'Temporal did not answer in time. Retrying is safe: the same delivery id never sends twice.',
      { headers: { 'retry-after': '5' } },
    );
  }
  const code = (error as Partial<FastifyError> | undefined)?.code;
  const status = (error as Partial<FastifyError> | undefined)?.statusCode;
  const whole = (detail: string): FieldError[] => [{ in: 'body', path: '', pointer: '#', detail }];
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const detail = `is larger than the limit of ${bodyLimit} bytes (gateway.bodyLimit)`;
    return new ProblemError('payload-too-large', `The request body ${detail}.`, {
      errors: whole(detail),
    });
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new ProblemError(
      'unsupported-media-type',
      'Send the body as JSON with `Content-Type: application/json`.',
      { errors: [{ in: 'header', path: 'Content-Type', detail: 'must be application/json' }] },
    );
  }
  if (status !== undefined && status >= 400 && status < 500 && error instanceof Error) {
    return invalidRequest(whole(error.message));
  }
  return new ProblemError(
    'internal',
    'The gateway failed; its log says why.',
    {},
    { cause: error },
  );
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemError) {
  return reply
    .code(problem.status)
    .headers(problem.extras.headers ?? {})
    .type(PROBLEM_JSON)
    .send(problem.body(request.url.split('?')[0]));
}

/** Fastify's `/v1/deliveries/:id` for OpenAPI's `/v1/deliveries/{id}`. */
function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** Matches the concrete paths of an OpenAPI path, to tell a wrong method from a wrong path. */
function matcher(path: string): RegExp {
  return new RegExp('^' + path.replace(/\{\w+\}/g, '[^/]+') + '/?$');
}

/**
 * Builds the HTTP gateway: the routes of {@link gatewayRoutes} on Fastify, each request parsed by
 * its route's schemas (every bad field named in one `400`), API keys checked before a body is
 * read, refusals answered as RFC 9457 problems, and every answer counted in the metrics.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const settings = gatewaySettings(options.config);
  const keys = new ApiKeys(options.apiKeys);
  const temporal = await TemporalLink.create(options.connection, options.config, options.deadlines);
  const app = fastify({
    logger: options.logger ?? false,
    bodyLimit: settings.bodyLimit,
    // A client that sends its request too slowly is cut off (the slowest route needs ~15 s).
    requestTimeout: 60_000,
    // Paths carry delivery ids of up to 200 characters.
    routerOptions: { maxParamLength: 256 },
  });
  const metrics = new GatewayMetrics(
    (status) => temporal.count(status),
    (error) => app.log.warn({ err: error }, 'cannot count deliveries for /metrics'),
  );

  const routes = gatewayRoutes({ temporal, metrics, openapi: () => document });
  const document = openApiDocument(
    routes,
    {
      requests: {
        DeliveryRequest: deliveryRequestSchema,
        CancelRequest: cancelRequestSchema,
        RetryRequest: retryRequestSchema,
        ResolveRequest: resolveRequestSchema,
      },
      responses: {
        Delivery: deliverySchema,
        DeliveryAccepted: acceptedSchema,
        Leg: legSchema,
        DeliverySummary: summarySchema,
        DeliveryList: deliveryListSchema,
        Problem: problemSchema,
        FieldError: fieldErrorSchema,
        Health: healthSchema,
      },
    },
    {
      version: API_VERSION,
      description:
        'Durable fan-out of one payload to several HTTP APIs, with saga compensation. ' +
        `Targets: ${Object.keys(options.config.targets).join(', ')}. ` +
        'Refusals are RFC 9457 problems (`application/problem+json`); nothing is started for them.',
    },
  );

  // JSON only. An empty body is no body, so `POST …/retry` works with or without `{}`.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (typeof text !== 'string' || text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      const detail = `is not valid JSON (${(error as Error).message})`;
      done(
        new ProblemError('invalid-request', `The request body ${detail}.`, {
          errors: [{ in: 'body', path: '', pointer: '#', detail }],
        }),
        undefined,
      );
    }
  });

  // Before the body is read: a request without a valid key learns nothing about its body.
  app.addHook('onRequest', (request, _reply, done) => {
    const config = request.routeOptions.config as { auth?: boolean };
    if (!config.auth || !keys.required) return done();
    const key = presentedKey(request.headers);
    if (key !== undefined && keys.accepts(key)) return done();
    done(
      new ProblemError(
        'unauthorized',
        key === undefined
          ? 'Send an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.'
          : 'The API key is not one this gateway accepts.',
        {
          errors: [
            {
              in: 'header',
              path: 'Authorization',
              detail: key === undefined ? 'is missing' : 'holds a key that is not accepted',
            },
          ],
          headers: { 'www-authenticate': 'Bearer realm="tandem"' },
        },
      ),
    );
  });

  app.addHook('onResponse', (request, reply, done) => {
    const routeLabel = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({
      method: request.method,
      route: routeLabel,
      status: String(reply.statusCode),
    });
    metrics.duration.observe(
      { method: request.method, route: routeLabel },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = problemOf(error, settings.bodyLimit);
    if (problem.status >= 500) request.log.error({ err: error }, problem.detail);
    metrics.refused(problem.kind);
    return sendProblem(request, reply, problem);
  });

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
            `No route ${request.method} ${path}; see /openapi.json for the routes.`,
          );
    metrics.refused(problem.kind);
    return sendProblem(request, reply, problem);
  });

  for (const spec of routes) serve(app, spec);

  return {
    app,
    openapi: document,
    metrics,
    requiresApiKey: keys.required,
    health: () => temporal.health(),
    async listen(at = {}) {
      const host = at.host ?? settings.host;
      const port = at.port ?? settings.port;
      if (!keys.required && !isLoopback(host)) {
        throw new GatewaySetupError(
          `The gateway would listen on ${host} with no API key: anyone who reaches it could ` +
            'start deliveries. Set TANDEM_API_KEYS (comma-separated keys of 16+ characters) or ' +
            'gateway.apiKeys, or listen on 127.0.0.1.',
        );
      }
      await app.listen({ host, port });
      const address = app.server.address() as AddressInfo;
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      return `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`;
    },
    close: () => app.close(),
  };
}

/** Serves one route: parses its parts with its schemas, then answers as its handler says. */
function serve(app: FastifyInstance, spec: Route): void {
  app.route({
    method: spec.method,
    url: fastifyPath(spec.path),
    config: { auth: spec.auth },
    handler: async (request, reply) => {
      const errors: FieldError[] = [];
      const part = (where: FieldError['in'], schema: Route['params'], value: unknown): unknown => {
        if (schema === undefined) return undefined;
        const parsed = parsePart(where, schema, value);
        if (parsed.ok) return parsed.value;
        errors.push(...parsed.errors);
        return undefined;
      };
      const params = part('path', spec.params, request.params);
      const query = part('query', spec.query, request.query);
      let body: unknown = request.body;
      if (body === undefined && spec.body !== undefined) {
        if (spec.bodyRequired) {
          errors.push({
            in: 'body',
            path: '',
            pointer: '#',
            detail: 'is required (a JSON object)',
          });
        } else body = {};
      }
      const parsedBody =
        spec.body !== undefined && body !== undefined ? part('body', spec.body, body) : undefined;
      if (errors.length > 0) throw invalidRequest(errors);

      const answer = await spec.handle({ params, query, body: parsedBody });
      reply.code(answer.status).headers(answer.headers ?? {});
      return answer.body;
    },
  });
}
