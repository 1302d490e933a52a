import { route, type Route } from '../route';
import { targetListSchema } from '../target-schemas';
import { refusals } from './answers';
import type { RouteDeps } from './deps';

/** The targets across the fleet, for a `read` key (their actions are in `actions.ts`). */
export function targetRoutes({ client }: RouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/targets',
      operationId: 'listTargets',
      summary: "Every target's state across the fleet",
      description:
        'Each target the config declares: `closed`, `open`, `half_open` or `paused` (by whom, ' +
        'since when), its rate limit now and as configured, how many running deliveries have a ' +
        'leg to it, and how many of those legs wait out a backoff, are paused by an operator or ' +
        'are held by its pause. Read with no worker, from what each controller and each ' +
        'delivery keep visible.',
      tag: 'targets',
      scope: 'read',
      responses: {
        200: { description: 'Every target.', schema: targetListSchema },
        ...refusals,
      },
      async handle() {
        return { status: 200, body: { targets: await client.targets() } };
      },
    }),
  ];
}
