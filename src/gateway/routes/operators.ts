import { DeliveryNotFoundError } from '../../contract/errors';
import { DeliveryActionRefusedError, UnknownLegError } from '../../contract/action-errors';
import { route, type Route } from '../route';
import {
  cancelRequestSchema,
  deliveryParamsSchema,
  deliverySchema,
  resolveRequestSchema,
  retryRequestSchema,
} from '../schemas';
import { bodyRefusals, currentView, notFound, problem, refusals } from './answers';
import type { RouteDeps } from './deps';

/** How an operator action that threw is counted. */
function actionResult(error: unknown): 'refused' | 'not_found' | 'failed' {
  if (error instanceof DeliveryNotFoundError) return 'not_found';
  if (error instanceof DeliveryActionRefusedError || error instanceof UnknownLegError) {
    return 'refused';
  }
  return 'failed';
}

/** Cancel, retry and resolve: each the client's rule, answered with the delivery after it. */
export function operatorRoutes({ client, metrics }: RouteDeps): Route[] {
  /** Runs an operator action, counting how it went, and answers with the delivery after it. */
  const act = async (action: string, id: string, run: () => Promise<void>) => {
    try {
      await run();
      metrics.actions.inc({ action, result: 'done' });
    } catch (error) {
      metrics.actions.inc({ action, result: actionResult(error) });
      throw error;
    }
    return currentView(client, id);
  };

  return [
    route({
      method: 'POST',
      path: '/v1/deliveries/{id}/cancel',
      operationId: 'cancelDelivery',
      summary: 'Cancel a running delivery',
      description:
        'The delivery starts no new attempt, lets attempts on the wire finish, undoes the legs ' +
        'that succeeded, then ends `cancelled`. Refused unless the delivery is `running`.',
      tag: 'operators',
      scope: 'operate',
      params: deliveryParamsSchema,
      body: cancelRequestSchema,
      responses: {
        202: { description: 'Cancelling; the delivery as it is now.', schema: deliverySchema },
        ...refusals,
        ...notFound,
        409: problem('The delivery is not running: there is nothing to cancel.'),
        ...bodyRefusals,
      },
      async handle({ params: { id }, body: { reason }, caller }) {
        return {
          status: 202,
          body: await act('cancel', id, () => client.cancel(id, reason, caller)),
        };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/deliveries/{id}/retry',
      operationId: 'retryDelivery',
      summary: 'Retry a delivery that needs attention',
      description:
        'Failed compensations run again, and a leg whose outcome is unknown is re-sent with its ' +
        'Idempotency-Key to learn it. Refused unless the delivery is `needs_attention`.',
      tag: 'operators',
      scope: 'operate',
      params: deliveryParamsSchema,
      body: retryRequestSchema,
      responses: {
        202: { description: 'Retrying; the delivery as it is now.', schema: deliverySchema },
        ...refusals,
        ...notFound,
        409: problem('The delivery (or the leg named) does not need attention.'),
        ...bodyRefusals,
      },
      async handle({ params: { id }, body: { leg }, caller }) {
        return {
          status: 202,
          body: await act('retry', id, () => client.retry(id, leg, caller)),
        };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/deliveries/{id}/resolve',
      operationId: 'resolveDelivery',
      summary: 'Close a delivery that needs attention, by hand',
      description:
        'Says what was done by hand; the delivery ends `resolved` with the note. Refused unless ' +
        'the delivery is `needs_attention`.',
      tag: 'operators',
      scope: 'operate',
      params: deliveryParamsSchema,
      body: resolveRequestSchema,
      bodyRequired: true,
      responses: {
        200: { description: 'Resolved.', schema: deliverySchema },
        ...refusals,
        ...notFound,
        409: problem('The delivery does not need attention.'),
        ...bodyRefusals,
      },
      async handle({ params: { id }, body: { note }, caller }) {
        return {
          status: 200,
          body: await act('resolve', id, () => client.resolve(id, note, caller)),
        };
      },
    }),
  ];
}
