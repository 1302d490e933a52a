import type { TandemConfig } from '../contract/config/schema';
import { AUTH_FAILURES_PER_ADDRESS, AUTH_FAILURE_WINDOW_MS } from '../contract/limits';
import type { requestSchemaFor } from '../contract/request';
import { MAX_URL_LENGTH } from './guards';
import { openApiDocument, type OpenApiDocument } from './openapi';
import type { Route } from './route';
import {
  acceptedSchema,
  deliveryListSchema,
  deliverySchema,
  fieldErrorSchema,
  healthSchema,
  legSchema,
  problemSchema,
  summarySchema,
} from './schemas';
import { ACTION_NAMES, actionSpec } from '../contract/action-types';
import { actionBodies, actionRecordSchema } from './action-schemas';

/** The version of the HTTP API (its paths start with `/v1`). */
export const API_VERSION = '1.0.0';

/** The OpenAPI document of a gateway serving `routes` for `config`, with named components. */
export function gatewayDocument(
  routes: readonly Route[],
  config: TandemConfig,
  requestSchema: ReturnType<typeof requestSchemaFor>,
): OpenApiDocument {
  return openApiDocument(
    routes,
    {
      requests: {
        DeliveryRequest: requestSchema,
        ...Object.fromEntries(
          ACTION_NAMES.map((name) => [actionSpec(name).route.component, actionBodies[name]]),
        ),
      },
      responses: {
        Delivery: deliverySchema,
        DeliveryAccepted: acceptedSchema,
        Leg: legSchema,
        OperatorAction: actionRecordSchema,
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
        `Targets: ${Object.keys(config.targets).join(', ')}. ` +
        'Refusals are RFC 9457 problems (`application/problem+json`); nothing is started for ' +
        'them. A method a path does not serve is answered `405` with `Allow`; an unknown path ' +
        `\`404\`; a URL over ${MAX_URL_LENGTH} characters \`414\`; more than ` +
        '`gateway.rateLimit` requests for one API key `429` with `Retry-After`, as are more than ' +
        `${AUTH_FAILURES_PER_ADDRESS} failed authentications from one address in ` +
        `${AUTH_FAILURE_WINDOW_MS / 1000}s. A gateway without API keys answers \`421\` to a ` +
        '`Host` that is not a loopback name or one of `gateway.hosts`.',
    },
  );
}
