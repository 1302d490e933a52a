import type { Route } from './route';
import { deliveryRoutes } from './routes/deliveries';
import type { RouteDeps } from './routes/deps';
import { operationRoutes } from './routes/operations';
import { operatorRoutes } from './routes/operators';
import { steeringRoutes } from './routes/steering';

/** The gateway's routes, declared once for Fastify, request parsing and the OpenAPI document. */
export function gatewayRoutes(deps: RouteDeps): Route[] {
  return [
    ...deliveryRoutes(deps),
    ...operatorRoutes(deps),
    ...steeringRoutes(deps),
    ...operationRoutes(deps),
  ];
}
