import type { AddressInfo } from 'node:net';
import type { ConnectionLike } from '@temporalio/client';
import {
  fastify,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { TandemClient } from '../client/client';
import { payloadCipherFrom } from '../codec/data-converter';
import type { Deadlines } from '../client/client-options';
import { gatewaySettings, type TandemConfig } from '../contract/config/schema';
import { GatewaySetupError } from '../contract/errors';
import { MAX_REQUEST_ENVELOPE_BYTES } from '../contract/limits';
import { requestSchemaFor } from '../contract/request';
import { ApiKeys, callerLabel, isLoopback, SCOPES, type ApiKey } from './auth';
import { codecUiToken, redactCodecPath, serveCodec } from './codec';
import { gatewayDocument } from './document';
import { answerClientError, answerUnserved, guardRequests } from './guards';
import { LOG_FIELDS } from '../telemetry/log';
import { GatewayMetrics } from './metrics';
import type { OpenApiDocument } from './openapi';
import { acceptJsonOnly, serve } from './parsing';
import { problemOf, sendProblem } from './refusals';
import { gatewayRoutes } from './routes';
import { traceRequests } from '../telemetry/tracing-gateway';

export { API_VERSION } from './document';

/** The delivery a request names: in its path (`/v1/deliveries/{id}/…`) or its body's `id`. */
function deliveryIdOfRequest(request: FastifyRequest): string | undefined {
  const id =
    (request.params as { id?: unknown } | undefined)?.id ??
    (request.body as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  config: TandemConfig;
  /**
   * A connection to Temporal, which the gateway does not close: a client's, or the
   * `NativeConnection` of workers in this process.
   */
  connection: ConnectionLike;
  /**
   * Start runs with Eager Workflow Start: only worth it over the `NativeConnection` of workers of
   * the workflow's task queue in this process (`tandem dev`), which then run the first task.
   */
  eagerStart?: boolean;
  /**
   * Accepted API keys; none lets every request in (allowed on a loopback address only). A plain
   * string is a key of every scope.
   */
  apiKeys: readonly (string | ApiKey)[];
  /** Where the config's `${VAR}` secrets (codec keys, the UI token) are read. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The process's logger (see `createLogger`): each request gets a line, with the delivery id it
   * names. Default: no request lines.
   */
  logger?: Logger;
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
  /** Accepts these keys from now on, and no others (a reload without a restart). */
  replaceApiKeys(keys: readonly ApiKey[]): void;
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

/**
 * Builds the HTTP gateway: a thin adapter over {@link TandemClient}, whose errors it answers as
 * RFC 9457 problems. Throws {@link GatewaySetupError} when `gateway.bodyLimit` could not carry a
 * payload of `limits.payload`.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const settings = gatewaySettings(config);
  const needed = config.limits.payload + MAX_REQUEST_ENVELOPE_BYTES;
  if (settings.bodyLimit < needed) {
    throw new GatewaySetupError(
      `gateway.bodyLimit (${settings.bodyLimit} bytes) cannot carry a payload of limits.payload ` +
        `(${config.limits.payload} bytes) in its request: raise it to at least ${needed} bytes, ` +
        'or lower limits.payload.',
    );
  }
  const keys = new ApiKeys(
    options.apiKeys.map((key, index) =>
      typeof key === 'string' ? { name: `apiKeys.${index}`, key, scopes: SCOPES } : key,
    ),
  );
  // Which key each request came with, for the routes' audit trail.
  const callers = new WeakMap<FastifyRequest, ApiKey>();
  const env = options.env ?? {};
  const cipher = payloadCipherFrom(config, env);
  const uiToken = codecUiToken(config, env);
  const client = await TandemClient.connect(config, options.connection, {
    env,
    eagerStart: options.eagerStart ?? false,
    ...(options.deadlines && { deadlines: options.deadlines }),
  });
  // The method and path of each request only (never headers); the UI's codec path carries its
  // token, so that is cut out.
  const requestLogger: FastifyBaseLogger | undefined = options.logger?.child(
    {},
    {
      serializers: {
        req: (request: { method: string; url: string }) => ({
          method: request.method,
          url: redactCodecPath(request.url),
        }),
      },
    },
  );
  const app = fastify({
    ...(requestLogger && { loggerInstance: requestLogger }),
    bodyLimit: settings.bodyLimit,
    // A client that sends its request too slowly is cut off (the slowest route needs ~15 s).
    requestTimeout: 60_000,
    // Every id reaches its schema (or the URL check), which names what is wrong with it,
    // instead of the router: no parameter can be longer than Node's 16 KiB request head.
    routerOptions: { maxParamLength: 16 * 1024 },
    clientErrorHandler: answerClientError(() => routes),
    frameworkErrors: (error, request, reply) =>
      void sendProblem(request, reply, problemOf(error, settings)),
  });
  const metrics = new GatewayMetrics(
    {
      deliveries: (status) => client.count(status),
      heldLegs: (target, hold) => client.countHeld(target, hold),
      targets: Object.keys(config.targets),
    },
    (error) => app.log.warn({ err: error }, 'cannot count deliveries for /metrics'),
    settings.metricsRefresh,
  );

  const requestSchema = requestSchemaFor(config);
  const routes = gatewayRoutes({
    client,
    config,
    metrics,
    requestSchema,
    mayRead: (caller) =>
      !keys.required || keys.named(caller.replace(/^key:/, ''))?.scopes.includes('read') === true,
    openapi: () => document,
  });
  const document = gatewayDocument(routes, config, requestSchema);

  traceRequests(app);
  acceptJsonOnly(app);
  await guardRequests(app, { keys, callers, settings, routes });

  // The request's lines name the delivery it is about, as the worker's lines do.
  app.addHook('preHandler', (request, reply, done) => {
    const id = deliveryIdOfRequest(request);
    if (id !== undefined)
      request.log = reply.log = request.log.child({ [LOG_FIELDS.deliveryId]: id });
    done();
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
    const problem = problemOf(error, settings);
    if (problem.kind === 'internal') request.log.error({ err: error }, problem.detail);
    else if (problem.status >= 500) request.log.warn({ err: error }, problem.detail);
    metrics.refused(problem.kind);
    return sendProblem(request, reply, problem);
  });
  answerUnserved(app, routes, (kind) => metrics.refused(kind));

  for (const spec of routes) serve(app, spec, (request) => callerLabel(callers.get(request)));
  if (cipher !== undefined) {
    serveCodec(app, {
      cipher,
      namespace: config.temporal.namespace,
      ...(uiToken !== undefined && { uiToken }),
      origins: config.codec?.ui?.origins ?? [],
    });
  }

  return {
    app,
    openapi: document,
    metrics,
    requiresApiKey: keys.required,
    replaceApiKeys: (next) => keys.replace(next),
    health: () => client.health(),
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
