import { z } from 'zod';
import type { DeliveryRequest, DeliveryState } from '../contracts';
import { IN_PROGRESS_STATUSES, workflowIdFor } from '../contracts';
import { DeliveryActionRefusedError, DeliveryNotFoundError, UnknownTargetError } from '../errors';
import type { GatewayMetrics } from './metrics';
import type { OpenApiDocument } from './openapi';
import { decodePageToken, fetchSize, pageOf, type PageCursor } from './paging';
import { invalidRequest, pointerOf, ProblemError } from './problems';
import { route, type ResponseSpec, type Route } from './route';
import {
  acceptedSchema,
  cancelRequestSchema,
  deliveryListSchema,
  deliveryParamsSchema,
  deliveryRequestSchema,
  deliverySchema,
  healthSchema,
  listQuerySchema,
  problemSchema,
  resolveRequestSchema,
  retryRequestSchema,
  type DeliveryView,
} from './schemas';
import type { TemporalLink } from './temporal';

/** What the routes work with. */
export interface RouteDeps {
  temporal: TemporalLink;
  metrics: GatewayMetrics;
  /** The document this gateway serves (built from these routes). */
  openapi: () => OpenApiDocument;
}

/** How long a cancel waits for a worker to confirm the delivery is still running. */
const CANCEL_CHECK_MS = 1_000;

/** Where a delivery lives in this API. */
export function deliveryPath(id: string): string {
  return `/v1/deliveries/${encodeURIComponent(id)}`;
}

function view({ id, ...state }: DeliveryState): DeliveryView {
  return { id, workflowId: workflowIdFor(id), ...state };
}

const problem = (description: string): ResponseSpec => ({
  description,
  schema: problemSchema,
  contentType: 'application/problem+json',
});

/** Answers every route may give beyond its own. */
const refusals = {
  400: problem('The request is invalid: `errors` names every bad field. Nothing was started.'),
  401: problem('No API key, or a wrong one.'),
  503: problem('Temporal, or a worker behind it, did not answer in time. Retry later.'),
};
const bodyRefusals = {
  413: problem('The body is larger than `gateway.bodyLimit`.'),
  415: problem('The body is not JSON (`Content-Type: application/json`).'),
};
const notFound = { 404: problem('No delivery has this id.') };
const location = {
  Location: { description: 'Where the delivery can be read.', schema: { type: 'string' as const } },
};

/** The gateway's routes, declared once for Fastify, request parsing and the OpenAPI document. */
export function gatewayRoutes({ temporal, metrics, openapi }: RouteDeps): Route[] {
  const { client } = temporal;

  /**
   * A delivery as it is now: its status query, or, when no worker answers in time, what the
   * server knows without one (its legs are then not listed).
   */
  const currentView = async (id: string): Promise<DeliveryView> => {
    try {
      return view(await temporal.status(id));
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      const { status, startedAt } = await temporal.describe(id);
      return { id, workflowId: workflowIdFor(id), status, startedAt, legs: [] };
    }
  };

  /**
   * Whether a delivery can be cancelled: its run must be open (asked of the server, so a cancel
   * needs no worker) and its status `running`. A worker's answer, when one comes quickly, is
   * fresher than the search attribute, which is written when the worker's task completes.
   */
  const cancellable = async (id: string) => {
    const described = await temporal.describe(id);
    if (!described.open || !IN_PROGRESS_STATUSES.includes(described.status)) return described;
    try {
      const { status } = await temporal.status(id, CANCEL_CHECK_MS);
      return { status, open: true };
    } catch (error) {
      if (error instanceof ProblemError) return described;
      throw error;
    }
  };

  /** Runs an operator action, counting how it went, and answers with the delivery after it. */
  const act = async (action: string, id: string, run: () => Promise<void>) => {
    try {
      await temporal.within(temporal.deadlines.action, run);
      metrics.actions.inc({ action, result: 'done' });
    } catch (error) {
      metrics.actions.inc({ action, result: actionResult(error) });
      throw error;
    }
    return currentView(id);
  };

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
      auth: true,
      body: deliveryRequestSchema,
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
        let started;
        try {
          started = await temporal.within(temporal.deadlines.start, () => client.start(request));
        } catch (error) {
          if (error instanceof UnknownTargetError) throw unknownTargets(request, error);
          throw error;
        }
        metrics.starts.inc({ result: started.started ? 'started' : 'existing' });
        // A new delivery is answered at once, without waiting for a worker: it is durably
        // started, and nothing has been sent yet. One found again is read as it is now.
        const state = started.started ? newDelivery(request) : await currentView(request.id);
        return {
          status: 202,
          headers: { location: deliveryPath(request.id) },
          body: { ...state, started: started.started },
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
        'chained with `nextPageToken`.',
      tag: 'deliveries',
      auth: true,
      query: listQuerySchema,
      responses: {
        200: { description: 'One page of deliveries.', schema: deliveryListSchema },
        ...refusals,
      },
      async handle({ query: { status, limit, pageToken } }) {
        let cursor: PageCursor | undefined;
        if (pageToken !== undefined) {
          const decoded = decodePageToken(pageToken, status);
          if (!decoded.ok) {
            throw invalidRequest([{ in: 'query', path: 'pageToken', detail: decoded.detail }]);
          }
          cursor = decoded.cursor;
        }
        const fetched = await temporal.within(temporal.deadlines.visibility, () =>
          client.list({ ...(status && { status }), limit: fetchSize(limit, cursor) }),
        );
        return { status: 200, body: pageOf(fetched, limit, cursor, status) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/deliveries/{id}',
      operationId: 'getDelivery',
      summary: 'Read a delivery and each of its legs',
      tag: 'deliveries',
      auth: true,
      params: deliveryParamsSchema,
      responses: {
        200: { description: 'The delivery now.', schema: deliverySchema },
        ...refusals,
        ...notFound,
      },
      async handle({ params: { id } }) {
        return { status: 200, body: view(await temporal.status(id)) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/deliveries/{id}/cancel',
      operationId: 'cancelDelivery',
      summary: 'Cancel a running delivery',
      description:
        'The delivery starts no new attempt, lets attempts on the wire finish, undoes the legs ' +
        'that succeeded, then ends `cancelled`. Refused unless the delivery is `running`.',
      tag: 'operators',
      auth: true,
      params: deliveryParamsSchema,
      body: cancelRequestSchema,
      responses: {
        202: { description: 'Cancelling; the delivery as it is now.', schema: deliverySchema },
        ...refusals,
        ...notFound,
        409: problem('The delivery is not running: there is nothing to cancel.'),
        ...bodyRefusals,
      },
      async handle({ params: { id }, body: { reason } }) {
        const { status, open } = await cancellable(id);
        if (!IN_PROGRESS_STATUSES.includes(status) || !open) {
          metrics.actions.inc({ action: 'cancel', result: 'refused' });
          throw new ProblemError(
            'action-refused',
            !open
              ? `Delivery "${id}" has ended (${status}): there is nothing to cancel.`
              : status === 'needs_attention'
                ? `Delivery "${id}" is needs_attention, not running: retry or resolve it instead.`
                : `Delivery "${id}" is ${status}, not running: there is nothing to cancel.`,
            { deliveryId: id, action: 'cancel', deliveryStatus: status },
          );
        }
        return { status: 202, body: await act('cancel', id, () => client.cancel(id, reason)) };
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
      auth: true,
      params: deliveryParamsSchema,
      body: retryRequestSchema,
      responses: {
        202: { description: 'Retrying; the delivery as it is now.', schema: deliverySchema },
        ...refusals,
        ...notFound,
        409: problem('The delivery (or the leg named) does not need attention.'),
        ...bodyRefusals,
      },
      async handle({ params: { id }, body: { leg } }) {
        return { status: 202, body: await act('retry', id, () => client.retry(id, leg)) };
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
      auth: true,
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
      async handle({ params: { id }, body: { note } }) {
        return { status: 200, body: await act('resolve', id, () => client.resolve(id, note)) };
      },
    }),
    route({
      method: 'GET',
      path: '/healthz',
      operationId: 'health',
      summary: 'Whether Temporal answers',
      tag: 'operations',
      auth: false,
      responses: {
        200: { description: 'Temporal answers.', schema: healthSchema },
        503: { description: 'Temporal does not answer.', schema: healthSchema },
      },
      async handle() {
        const health = await temporal.health();
        const { address, namespace } = temporal.config.temporal;
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
      auth: false,
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
      auth: false,
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

/** How an operator action that threw is counted. */
function actionResult(error: unknown): 'refused' | 'not_found' | 'failed' {
  if (error instanceof DeliveryNotFoundError) return 'not_found';
  if (error instanceof DeliveryActionRefusedError) return 'refused';
  return 'failed';
}

/** A delivery just started: running, and no leg has sent anything yet. */
function newDelivery(request: DeliveryRequest): DeliveryView {
  return {
    id: request.id,
    workflowId: workflowIdFor(request.id),
    status: 'running',
    startedAt: new Date().toISOString(),
    legs: request.targets.map((target) => ({
      target,
      status: 'pending',
      attempts: 0,
      outcomeUnknown: false,
    })),
  };
}

/** A 422 naming each unknown target by its place in the request. */
function unknownTargets(request: DeliveryRequest, error: UnknownTargetError): ProblemError {
  const known = error.known.map((t) => `"${t}"`).join(', ') || 'none';
  return new ProblemError(
    'unknown-target',
    error.message,
    {
      errors: request.targets.flatMap((target, index) =>
        error.unknown.includes(target)
          ? [
              {
                in: 'body' as const,
                path: `targets.${index}`,
                pointer: pointerOf(['targets', index]),
                detail: `is not a target of the config, which declares ${known}`,
              },
            ]
          : [],
      ),
      unknownTargets: [...error.unknown],
      knownTargets: [...error.known],
    },
    { cause: error },
  );
}
