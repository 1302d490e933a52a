import { z } from 'zod';
import { route, type Route } from '../route';
import { healthSchema } from '../schemas';
import type { RouteDeps } from './deps';

/** Health, metrics and this API's own document: no API key needed, never rate-limited. */
export function operationRoutes({ client, config, metrics, openapi }: RouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/healthz',
      operationId: 'health',
      summary: 'Whether Temporal answers',
      tag: 'operations',
      responses: {
        200: { description: 'Temporal answers.', schema: healthSchema },
        503: { description: 'Temporal does not answer.', schema: healthSchema },
      },
      async handle() {
        const health = await client.health();
        const { address, namespace } = config.temporal;
        return {
          status: health.reachable ? 200 : 503,
          body: {
            status: health.reachable ? 'ok' : 'unavailable',
            temporal: { address, namespace, ...health },
          },
        };
      },
    }),
    route({
      method: 'GET',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      responses: {
        200: {
          description: 'Prometheus text exposition format.',
          schema: z.string(),
          contentType: 'text/plain',
        },
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
