import type { ActionRecord, SteeringAction } from '../../contract/operator-actions';
import { DeliveryNotFoundError } from '../../contract/errors';
import { DeliveryActionRefusedError, InvalidActionError } from '../../contract/action-errors';
import { route, type Route } from '../route';
import { deliveryParamsSchema } from '../schemas';
import {
  actionRecordSchema,
  extendRequestSchema,
  pauseRequestSchema,
  resumeRequestSchema,
  retryNowRequestSchema,
} from '../steer-schemas';
import { bodyRefusals, notFound, problem, refusals } from './answers';
import type { RouteDeps } from './deps';

const answers = {
  200: { description: 'Done: the action as the delivery keeps it.', schema: actionRecordSchema },
  ...refusals,
  ...notFound,
  409: problem(
    'The action does not apply now (the delivery has ended, the leg is not paused, not waiting to retry…): `detail` says why.',
  ),
  ...bodyRefusals,
};

/** Only the fields given: an absent leg means every leg the action applies to. */
const given = (fields: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

/**
 * Pause, resume, retry now and extend: each the client's `steer`, sent under the API key's name (`key:<name>`)
 * and answered with the action as the run keeps it.
 */
export function steeringRoutes({ client, metrics }: RouteDeps): Route[] {
  const steer = async (
    id: string,
    action: SteeringAction,
    args: Record<string, string>,
    caller: string,
  ) => {
    try {
      const record: ActionRecord = await client.steer(id, action, args, caller);
      metrics.actions.inc({ action, result: 'done' });
      return { status: 200, body: record };
    } catch (error) {
      const result =
        error instanceof DeliveryNotFoundError
          ? 'not_found'
          : error instanceof DeliveryActionRefusedError || error instanceof InvalidActionError
            ? 'refused'
            : 'failed';
      metrics.actions.inc({ action, result });
      throw error;
    }
  };
  const common = {
    tag: 'operators',
    scope: 'operate' as const,
    params: deliveryParamsSchema,
    responses: answers,
  };

  return [
    route({
      ...common,
      method: 'POST',
      path: '/v1/deliveries/{id}/pause',
      operationId: 'pauseDelivery',
      summary: 'Pause a leg (or every leg) of a delivery',
      description:
        'No new attempt of the leg (sending or undoing) starts until resumed; an attempt on the ' +
        "wire finishes. The leg's deadline is suspended while paused; the delivery shows `paused`.",
      body: pauseRequestSchema,
      handle: ({ params: { id }, body, caller }) => steer(id, 'pause', given(body), caller),
    }),
    route({
      ...common,
      method: 'POST',
      path: '/v1/deliveries/{id}/resume',
      operationId: 'resumeDelivery',
      summary: 'Resume a paused leg (or every paused leg)',
      description: 'The leg attempts again; its deadline moves on by the time it was paused.',
      body: resumeRequestSchema,
      handle: ({ params: { id }, body, caller }) => steer(id, 'resume', given(body), caller),
    }),
    route({
      ...common,
      method: 'POST',
      path: '/v1/deliveries/{id}/retry-now',
      operationId: 'retryNowDelivery',
      summary: 'End a leg’s backoff wait: it attempts at once',
      description: 'Refused for a leg that is in flight or paused, or when no leg is waiting.',
      body: retryNowRequestSchema,
      handle: ({ params: { id }, body, caller }) => steer(id, 'retryNow', given(body), caller),
    }),
    route({
      ...common,
      method: 'POST',
      path: '/v1/deliveries/{id}/extend',
      operationId: 'extendDeadline',
      summary: 'Give a leg more time before its deadline',
      body: extendRequestSchema,
      bodyRequired: true,
      handle: ({ params: { id }, body, caller }) =>
        steer(id, 'extendDeadline', given(body), caller),
    }),
  ];
}
