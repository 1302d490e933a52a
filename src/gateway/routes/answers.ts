import type { TandemClient } from '../../client/client';
import { workflowIdFor, type DeliveryState } from '../../contract/contracts';
import type { ResponseSpec } from '../route';
import { problemSchema, type DeliveryView } from '../schemas';

/** Where a delivery lives in this API. */
export function deliveryPath(id: string): string {
  return `/v1/deliveries/${encodeURIComponent(id)}`;
}

/** A delivery's state as the API shows it, with its workflow id. */
export function view({ id, ...state }: DeliveryState): DeliveryView {
  return { id, workflowId: workflowIdFor(id), ...state };
}

/** A delivery as it is now, read with no worker (see `TandemClient.status`). */
export async function currentView(client: TandemClient, id: string): Promise<DeliveryView> {
  return view(await client.status(id));
}

/** A documented problem answer. */
export const problem = (description: string): ResponseSpec => ({
  description,
  schema: problemSchema,
  contentType: 'application/problem+json',
});

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer' as const },
  },
};

/** Answers every route with an API key may give beyond its own. */
export const refusals = {
  400: problem('The request is invalid: `errors` names every bad field. Nothing was started.'),
  401: problem('No API key, or a wrong one.'),
  403: problem('The API key lacks the scope this route needs (`missingScope` names it).'),
  414: problem('The URL is longer than the gateway serves.'),
  429: {
    ...problem('Too many requests for this API key: retry after `Retry-After` seconds.'),
    headers: retryAfter,
  },
  503: {
    ...problem(
      'Temporal, or a worker behind it, did not answer in time. Retry after `Retry-After` seconds.',
    ),
    headers: retryAfter,
  },
};

/** Answers of routes that take a body. */
export const bodyRefusals = {
  413: problem(
    'The body is larger than `gateway.bodyLimit`, or the payload larger than `limits.payload` ' +
      '(the problem names which, and its `limitBytes`).',
  ),
  415: problem('The body is not JSON (`Content-Type: application/json`).'),
};

/** The answer of routes that name a delivery. */
export const notFound = { 404: problem('No delivery has this id.') };

/** The `Location` header of a started delivery. */
export const location = {
  Location: { description: 'Where the delivery can be read.', schema: { type: 'string' as const } },
};
