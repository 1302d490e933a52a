import type { Route } from './route';
import { deliveryRoutes } from './routes/deliveries';
import type { RouteDeps } from './routes/deps';
import { operationRoutes } from './routes/operations';
import { actionRoutes } from './routes/actions';
import { batchRoutes } from './routes/batches';
import { targetRoutes } from './routes/targets';

/** The gateway's routes, declared once for Fastify, request parsing and the OpenAPI document. */
export function gatewayRoutes(deps: RouteDeps): Route[] {
  return [
    ...deliveryRoutes(deps),
    ...batchRoutes(deps),
    ...actionRoutes(deps),
    ...targetRoutes(deps),
    ...operationRoutes(deps),
  ];
}
