/**
 * The gateway as an adapter: each Tandem error (and each refusal of Fastify's own) becomes the
 * RFC 9457 problem it is answered with. No rule is decided here; the client decided it.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  DeliveryActionRefusedError,
  DeliveryConflictError,
  DeliveryNotFoundError,
  InvalidDeliveryError,
  PayloadTooLargeError,
  TemporalUnavailableError,
  UnknownLegError,
  UnknownTargetError,
  WorkerUnavailableError,
  type Issue,
} from '../contract/errors';
import { invalidRequest, pointerOf, ProblemError } from './problems';
import type { FieldError } from './schemas';

/** How long a client should wait before retrying a 503, in seconds. */
const RETRY_AFTER_SECONDS = '5';

const PROBLEM_JSON = 'application/problem+json';

/** Body issues as field errors, with JSON Pointers. */
function bodyErrors(issues: readonly Issue[]): FieldError[] {
  return issues.map(({ path, detail }) => ({
    in: 'body',
    path,
    pointer: pointerOf(path === '' ? [] : path.split('.')),
    detail,
  }));
}

/** What the gateway's limits are, for the problems that name them. */
export interface Limits {
  bodyLimit: number;
}

/** A refusal or failure as the problem it is answered with. */
export function problemOf(error: unknown, limits: Limits): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof DeliveryNotFoundError) {
    return new ProblemError('delivery-not-found', error.message, {
      errors: [{ in: 'path', path: 'id', detail: 'is not the id of any delivery' }],
    });
  }
  if (error instanceof DeliveryConflictError) {
    return new ProblemError('delivery-conflict', error.message, {
      deliveryId: error.deliveryId,
      errors: bodyErrors([
        { path: 'id', detail: 'was already used with other targets or another payload' },
      ]),
    });
  }
  if (error instanceof DeliveryActionRefusedError) {
    return new ProblemError('action-refused', error.message, {
      deliveryId: error.deliveryId,
      action: error.action,
      ...(error.deliveryStatus !== undefined && { deliveryStatus: error.deliveryStatus }),
    });
  }
  if (error instanceof UnknownLegError) {
    return new ProblemError('action-refused', error.message, {
      deliveryId: error.deliveryId,
      action: 'retry',
      errors: bodyErrors([
        { path: 'leg', detail: `is not a leg; the legs are ${error.legs.join(', ')}` },
      ]),
    });
  }
  if (error instanceof InvalidDeliveryError) {
    return invalidRequest(bodyErrors(error.issues), error.issuesOmitted);
  }
  if (error instanceof UnknownTargetError) {
    return new ProblemError('unknown-target', error.message, {
      errors: bodyErrors(error.issues),
      unknownTargets: [...error.unknown],
      knownTargets: [...error.known],
    });
  }
  if (error instanceof PayloadTooLargeError) {
    return new ProblemError('payload-too-large', error.message, {
      limitBytes: error.limitBytes,
      errors: bodyErrors([
        {
          path: 'payload',
          detail: `is ${error.bytes} bytes as JSON, over limits.payload (${error.limitBytes} bytes)`,
        },
      ]),
    });
  }
  if (error instanceof WorkerUnavailableError) {
    return new ProblemError('worker-unavailable', error.message, {
      headers: { 'retry-after': RETRY_AFTER_SECONDS },
    });
  }
  if (error instanceof TemporalUnavailableError) {
    return new ProblemError(
      'temporal-unavailable',
      `Temporal did not answer (${error.why}). Retrying is safe: the same delivery id never sends twice.`,
      { headers: { 'retry-after': RETRY_AFTER_SECONDS } },
    );
  }
  return fastifyProblem(error, limits);
}

/** Fastify's own refusals (body too large, wrong media type, bad URL…) as problems. */
function fastifyProblem(error: unknown, limits: Limits): ProblemError {
  const code = (error as Partial<FastifyError> | undefined)?.code;
  const status = (error as Partial<FastifyError> | undefined)?.statusCode;
  const whole = (detail: string): FieldError[] => [{ in: 'body', path: '', pointer: '#', detail }];
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const detail = `is larger than the limit of ${limits.bodyLimit} bytes (gateway.bodyLimit)`;
    return new ProblemError('payload-too-large', `The request body ${detail}.`, {
      limitBytes: limits.bodyLimit,
      errors: whole(detail),
    });
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new ProblemError(
      'unsupported-media-type',
      'Send the body as JSON with `Content-Type: application/json`.',
      { errors: [{ in: 'header', path: 'Content-Type', detail: 'must be application/json' }] },
    );
  }
  if (code === 'FST_ERR_BAD_URL') {
    return invalidRequest([{ in: 'path', path: '', detail: 'is not a valid URL path' }]);
  }
  if (status !== undefined && status >= 400 && status < 500 && error instanceof Error) {
    return invalidRequest(whole(error.message.slice(0, 200)));
  }
  return new ProblemError(
    'internal',
    'The gateway failed; its log says why.',
    {},
    { cause: error },
  );
}

/** Answers with `problem` as `application/problem+json`. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemError) {
  return reply
    .code(problem.status)
    .headers(problem.extras.headers ?? {})
    .type(PROBLEM_JSON)
    .send(problem.body(request.url.split('?')[0]?.slice(0, 256)));
}
