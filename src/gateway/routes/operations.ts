import { z } from 'zod';
import { route, type Route } from '../route';
import { healthSchema } from '../schemas';
import { refusals } from './answers';
import type { RouteDeps } from './deps';

/**
 * Health and this API's own document (no API key needed, never rate-limited), and the metrics
 * (a `read` key, as Prometheus sends with `authorization` in its scrape config).
 */
export function operationRoutes({ client, config, metrics, mayRead, openapi }: RouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/healthz',
      operationId: 'health',
      summary: 'Whether Temporal answers',
      description:
        'Open to all, for probes. Only a caller with a `read` key (or any caller of a gateway ' +
        "that requires no key) is shown `temporal`: Temporal's address, namespace and error.",
      tag: 'operations',
      responses: {
        200: { description: 'Temporal answers.', schema: healthSchema },
        401: refusals[401],
        503: { description: 'Temporal does not answer.', schema: healthSchema },
      },
      async handle({ caller }) {
        const health = await client.health();
        const { address, namespace } = config.temporal;
        return {
          status: health.reachable ? 200 : 503,
          body: {
            status: health.reachable ? 'ok' : 'unavailable',
            ...(mayRead(caller) && { temporal: { address, namespace, ...health } }),
          },
        };
      },
    }),
    route({
      method: 'GET',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      description:
        'Deliveries by status are counted in Temporal at most once per `gateway.metricsRefresh`; ' +
        'a scrape is answered with the last counts and never waits on Temporal.',
      tag: 'operations',
      scope: 'read',
      responses: {
        200: {
          description: 'Prometheus text exposition format.',
          schema: z.string(),
          contentType: 'text/plain',
        },
        ...refusals,
      },
      async handle() {
        return {
          status: 200,
          headers: { 'content-type': metrics.registry.contentType },
          body: await metrics.registry.metrics(),
        };
      },
    }),
    route({
      method: 'GET',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This document',
      tag: 'operations',
      responses: {
        200: {
          description: 'The OpenAPI 3.1 document of this gateway.',
          schema: z.record(z.string(), z.unknown()),
        },
      },
      handle() {
        return Promise.resolve({ status: 200, body: openapi() });
      },
    }),
  ];
}
