import type { z } from 'zod';
import {
  ACTION_NAMES,
  actionSpec,
  type ActionName,
  type DeliveryActionName,
  type TargetAction,
} from '../../contract/action-types';
import { actionPath } from '../../contract/action-spec';
import { DeliveryNotFoundError } from '../../contract/errors';
import {
  DeliveryActionRefusedError,
  InvalidActionError,
  TargetActionRefusedError,
  TargetNotFoundError,
  UnknownLegError,
} from '../../contract/action-errors';
import { actionBodies, actionRecordSchema, bodyRequired } from '../action-schemas';
import { route, type Route } from '../route';
import { deliveryParamsSchema, deliverySchema } from '../schemas';
import { targetParamsSchema, targetSchema } from '../target-schemas';
import { bodyRefusals, currentView, notFound, problem, refusals } from './answers';
import type { RouteDeps } from './deps';

/** How an operator action that threw is counted. */
function actionResult(error: unknown): 'refused' | 'not_found' | 'failed' {
  if (error instanceof DeliveryNotFoundError || error instanceof TargetNotFoundError) {
    return 'not_found';
  }
  const refused =
    error instanceof DeliveryActionRefusedError ||
    error instanceof TargetActionRefusedError ||
    error instanceof InvalidActionError ||
    error instanceof UnknownLegError;
  return refused ? 'refused' : 'failed';
}

/** Only the fields given: an absent leg means every leg the action applies to. */
const given = (fields: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

/** What a route of a subject takes in its path, answers, and does. */
interface SubjectRoutes {
  params: z.ZodType;
  notFound: Record<number, ReturnType<typeof problem>>;
  answer: z.ZodType;
  act(
    name: ActionName,
    subject: string,
    args: Record<string, string>,
    caller: string,
  ): Promise<unknown>;
}

/**
 * Every operator action's route, built from the action table: its body parsed by the table's
 * fields, sent through the client (`act` for a delivery, `actOnTarget` for a target) under the
 * API key's name (`key:<name>`), counted, and answered with the action as the run keeps it, the
 * delivery after it, or the target after it.
 */
export function actionRoutes({ client, metrics }: RouteDeps): Route[] {
  const counted = async <T>(name: ActionName, act: () => Promise<T>): Promise<T> => {
    try {
      const kept = await act();
      metrics.actions.inc({ action: name, result: 'done' });
      return kept;
    } catch (error) {
      metrics.actions.inc({ action: name, result: actionResult(error) });
      throw error;
    }
  };
  const subjects = {
    delivery: {
      params: deliveryParamsSchema,
      notFound,
      answer: deliverySchema,
      act: async (name, id, args, caller) => {
        const kept = await client.act(id, name as DeliveryActionName, args, caller);
        return actionSpec(name).route.answer === 'action' ? kept : currentView(client, id);
      },
    },
    target: {
      params: targetParamsSchema,
      notFound: { 404: problem('The config declares no such target: nothing was started.') },
      answer: targetSchema,
      act: (name, target, args, caller) =>
        client.actOnTarget(target, name as TargetAction, args, caller),
    },
  } satisfies Record<string, SubjectRoutes>;

  return ACTION_NAMES.map((name) => {
    const spec = actionSpec(name);
    const { method, scope, operationId, summary, description, status, answer } = spec.route;
    const subject: SubjectRoutes = subjects[spec.subject];
    return route({
      method,
      path: actionPath(spec),
      operationId,
      summary,
      ...(description !== undefined && { description }),
      tag: 'operators',
      scope,
      params: subject.params,
      body: actionBodies[name],
      ...(bodyRequired(name) && { bodyRequired: true }),
      responses: {
        [status]: {
          description: spec.route.answered,
          schema: answer === 'action' ? actionRecordSchema : subject.answer,
        },
        ...refusals,
        ...subject.notFound,
        409: problem(spec.route.conflict),
        ...bodyRefusals,
      },
      async handle({ params, body, caller }) {
        const key = Object.values(params as Record<string, string>)[0]!;
        const args = given(body as Record<string, string | undefined>);
        return { status, body: await counted(name, () => subject.act(name, key, args, caller)) };
      },
    });
  });
}
