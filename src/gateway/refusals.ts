/**
 * The gateway as an adapter: each Tandem error (and each refusal of Fastify's own) becomes the
 * RFC 9457 problem it is answered with. No rule is decided here; the client decided it.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES } from '../contract/error-codes';
import {
  TandemError,
  type DeliveryConflictError,
  type DeliveryNotFoundError,
  type InvalidDeliveryError,
  type InvalidPageTokenError,
  type Issue,
  type PayloadTooLargeError,
  type TemporalUnavailableError,
  type UnknownTargetError,
} from '../contract/errors';
import {
  type BatchNotFoundError,
  type DeliveryActionRefusedError,
  type InvalidActionError,
  type InvalidBatchSelectionError,
  type UnknownLegError,
} from '../contract/action-errors';
import { invalidRequest, pointerOf, ProblemError, type ProblemKind } from './problems';
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
  if (!(error instanceof TandemError)) return fastifyProblem(error, limits);
  const answer = ERROR_CODES[error.code];
  const kind: ProblemKind = answer.problem;
  if (kind === 'internal') return internalProblem(error);
  const { errors, omitted, detail, ...members } = membersOf(error);
  if (kind === 'invalid-request') {
    const fields = errors ?? [{ in: 'body', path: '', pointer: '#', detail: error.message }];
    return invalidRequest(fields, omitted);
  }
  return new ProblemError(kind, detail ?? error.message, {
    ...members,
    ...(errors !== undefined && { errors }),
    ...(answer.retryable && { headers: { 'retry-after': RETRY_AFTER_SECONDS } }),
  });
}

/** The errors Tandem answers a request with, told apart by their literal `code`. */
type Answered =
  | BatchNotFoundError
  | DeliveryActionRefusedError
  | DeliveryConflictError
  | DeliveryNotFoundError
  | InvalidActionError
  | InvalidBatchSelectionError
  | InvalidDeliveryError
  | InvalidPageTokenError
  | PayloadTooLargeError
  | TemporalUnavailableError
  | UnknownLegError
  | UnknownTargetError;

/**
 * What a problem says beyond its kind: the fields at fault (`errors`, and how many more were
 * `omitted`), the `detail` when it is not the error's message, and the error's own data.
 */
function membersOf(error: TandemError): {
  errors?: FieldError[];
  omitted?: number;
  detail?: string;
  [member: string]: unknown;
} {
  // Each class has its own literal code, so the code says which error this is.
  const known = error as Answered;
  switch (known.code) {
    case 'TANDEM_DELIVERY_NOT_FOUND':
      return { errors: [{ in: 'path', path: 'id', detail: 'is not the id of any delivery' }] };
    case 'TANDEM_DELIVERY_CONFLICT':
      return {
        deliveryId: known.deliveryId,
        errors: bodyErrors([
          { path: 'id', detail: 'was already used with other targets or another payload' },
        ]),
      };
    case 'TANDEM_ACTION_REFUSED':
      return {
        deliveryId: known.deliveryId,
        action: known.action,
        ...(known.deliveryStatus !== undefined && { deliveryStatus: known.deliveryStatus }),
      };
    case 'TANDEM_ACTION_INVALID':
      return known.issues.length === 0 ? {} : { errors: bodyErrors(known.issues) };
    case 'TANDEM_BATCH_SELECTION_INVALID':
      return { errors: bodyErrors(known.issues) };
    case 'TANDEM_BATCH_NOT_FOUND':
      return { errors: [{ in: 'path', path: 'id', detail: 'is not the id of any bulk action' }] };
    case 'TANDEM_UNKNOWN_LEG':
      return {
        errors: bodyErrors([
          { path: 'leg', detail: `is not a leg; the legs are ${known.legs.join(', ')}` },
        ]),
      };
    case 'TANDEM_INVALID_DELIVERY':
      return { errors: bodyErrors(known.issues), omitted: known.issuesOmitted };
    case 'TANDEM_INVALID_PAGE_TOKEN':
      return {
        errors: [{ in: 'query', path: 'pageToken', detail: 'is not one this list gave out' }],
      };
    case 'TANDEM_UNKNOWN_TARGET':
      return {
        errors: bodyErrors(known.issues),
        unknownTargets: [...known.unknown],
        knownTargets: [...known.known],
      };
    case 'TANDEM_PAYLOAD_TOO_LARGE':
      return {
        limitBytes: known.limitBytes,
        errors: bodyErrors([
          {
            path: 'payload',
            detail: `is ${known.bytes} bytes as JSON, over limits.payload (${known.limitBytes} bytes)`,
          },
        ]),
      };
    case 'TANDEM_TEMPORAL_UNAVAILABLE':
      return {
        detail: `Temporal did not answer (${known.why}). Retrying is safe: the same delivery id never sends twice.`,
      };
    default:
      return {};
  }
}

/** A failure the gateway cannot explain to its caller: its log says why. */
function internalProblem(error: unknown): ProblemError {
  return new ProblemError(
    'internal',
    'The gateway failed; its log says why.',
    {},
    { cause: error },
  );
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
  return internalProblem(error);
}

/** Answers with `problem` as `application/problem+json`. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemError) {
  return reply
    .code(problem.status)
    .headers(problem.extras.headers ?? {})
    .type(PROBLEM_JSON)
    .send(problem.body(request.url.split('?')[0]?.slice(0, 256)));
}
