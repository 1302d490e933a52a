import type { DeliveryRequest } from '../../contract/contracts';
import { pendingState } from '../../client/runs';
import { decodePageToken, encodePageToken } from '../paging';
import { invalidRequest } from '../problems';
import { route, type Route } from '../route';
import {
  acceptedSchema,
  deliveryListSchema,
  deliveryParamsSchema,
  deliverySchema,
  listQuerySchema,
} from '../schemas';
import {
  bodyRefusals,
  currentView,
  deliveryPath,
  location,
  notFound,
  problem,
  refusals,
  view,
} from './answers';
import type { RouteDeps } from './deps';

/** Starting, listing and reading deliveries. */
export function deliveryRoutes({ client, metrics, requestSchema }: RouteDeps): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/deliveries',
      operationId: 'startDelivery',
      summary: 'Start a delivery',
      description:
        'Answers `202` as soon as the delivery is durably started, before any target is called. ' +
        'The same id with the same targets and payload answers with the same delivery and sends ' +
        'nothing again (`started: false`); with another request it is refused with `409`.',
      tag: 'deliveries',
      scope: 'deliver',
      body: requestSchema,
      bodyRequired: true,
      responses: {
        202: {
          description: 'Started, or started before by this same request.',
          schema: acceptedSchema,
          headers: location,
        },
        ...refusals,
        409: problem('This id was used for another request (other targets or payload).'),
        ...bodyRefusals,
        422: problem('The delivery names targets the config does not declare.'),
      },
      async handle({ body }) {
        const request: DeliveryRequest = body;
        const started = await client.start(request);
        metrics.starts.inc({ result: started.started ? 'started' : 'existing' });
        // A new delivery is answered at once, without waiting for a worker: it is durably
        // started, and nothing has been sent yet. One found again is read as it is now.
        const state = started.started
          ? view(pendingState(request.id, request.targets, new Date().toISOString()))
          : await currentView(client, request.id);
        return {
          status: 202,
          headers: { location: deliveryPath(request.id) },
          body: {
            ...state,
            ...(started.traceId !== undefined && { traceId: started.traceId }),
            started: started.started,
          },
        };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/deliveries',
      operationId: 'listDeliveries',
      summary: 'List deliveries, newest first',
      description:
        "Read from Temporal's visibility store, which lags a moment behind the runs. Pages are " +
        'chained with `nextPageToken`; each page costs one visibility call, wherever it starts.',
      tag: 'deliveries',
      scope: 'read',
      query: listQuerySchema,
      responses: {
        200: { description: 'One page of deliveries.', schema: deliveryListSchema },
        ...refusals,
      },
      async handle({ query: { status, limit, pageToken } }) {
        let next: Uint8Array | undefined;
        if (pageToken !== undefined) {
          const decoded = decodePageToken(pageToken, status);
          if (!decoded.ok) {
            throw invalidRequest([{ in: 'query', path: 'pageToken', detail: decoded.detail }]);
          }
          next = decoded.next;
        }
        const page = await client.listPage({
          ...(status && { status }),
          pageSize: limit,
          ...(next && { pageToken: next }),
        });
        return {
          status: 200,
          body: {
            deliveries: page.deliveries,
            ...(page.nextPageToken && {
              nextPageToken: encodePageToken(page.nextPageToken, status),
            }),
          },
        };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/deliveries/{id}',
      operationId: 'getDelivery',
      summary: 'Read a delivery and each of its legs',
      tag: 'deliveries',
      scope: 'read',
      params: deliveryParamsSchema,
      responses: {
        200: { description: 'The delivery now.', schema: deliverySchema },
        ...refusals,
        ...notFound,
      },
      async handle({ params: { id } }) {
        return { status: 200, body: await currentView(client, id) };
      },
    }),
  ];
}
