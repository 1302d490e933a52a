import { ACTION_NAMES, actionSpec, type ActionName } from '../../contract/action-types';
import { DeliveryNotFoundError } from '../../contract/errors';
import {
  DeliveryActionRefusedError,
  InvalidActionError,
  UnknownLegError,
} from '../../contract/action-errors';
import { actionBodies, actionRecordSchema, bodyRequired } from '../action-schemas';
import { route, type Route } from '../route';
import { deliveryParamsSchema, deliverySchema } from '../schemas';
import { bodyRefusals, currentView, notFound, problem, refusals } from './answers';
import type { RouteDeps } from './deps';

/** How an operator action that threw is counted. */
function actionResult(error: unknown): 'refused' | 'not_found' | 'failed' {
  if (error instanceof DeliveryNotFoundError) return 'not_found';
  const refused =
    error instanceof DeliveryActionRefusedError ||
    error instanceof InvalidActionError ||
    error instanceof UnknownLegError;
  return refused ? 'refused' : 'failed';
}

/** Only the fields given: an absent leg means every leg the action applies to. */
const given = (fields: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

/**
 * Every operator action's route, built from the action table: its body parsed by the table's
 * fields, sent through the client's `act` under the API key's name (`key:<name>`), counted, and
 * answered with the action as the run keeps it or with the delivery after it.
 */
export function actionRoutes({ client, metrics }: RouteDeps): Route[] {
  const act = async (name: ActionName, id: string, args: Record<string, string>, by: string) => {
    try {
      const kept = await client.act(id, name, args, by);
      metrics.actions.inc({ action: name, result: 'done' });
      return kept;
    } catch (error) {
      metrics.actions.inc({ action: name, result: actionResult(error) });
      throw error;
    }
  };

  return ACTION_NAMES.map((name) => {
    const spec = actionSpec(name).route;
    const { method, segment, scope, operationId, summary, description, status, answer } = spec;
    return route({
      method,
      path: `/v1/deliveries/{id}/${segment}`,
      operationId,
      summary,
      ...(description !== undefined && { description }),
      tag: 'operators',
      scope,
      params: deliveryParamsSchema,
      body: actionBodies[name],
      ...(bodyRequired(name) && { bodyRequired: true }),
      responses: {
        [status]: {
          description: spec.answered,
          schema: answer === 'action' ? actionRecordSchema : deliverySchema,
        },
        ...refusals,
        ...notFound,
        409: problem(spec.conflict),
        ...bodyRefusals,
      },
      async handle({ params: { id }, body, caller }) {
        const kept = await act(name, id, given(body as Record<string, string | undefined>), caller);
        return {
          status,
          body: answer === 'action' ? kept : await currentView(client, id),
        };
      },
    });
  });
}
