import type { z } from 'zod';
import { andMore, capped } from '../contract/errors';
import { joined, parseWith, type PathIssue } from '../contract/request';
import type { FieldError, Problem } from './schemas';

/**
 * Every kind of refusal the gateway gives, with its HTTP status and title. The `type` of a
 * problem body is `urn:tandem:problem:<kind>`; metrics count refusals by kind.
 */
export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'The request is invalid' },
  unauthorized: { status: 401, title: 'A valid API key is required' },
  forbidden: { status: 403, title: 'The API key lacks the scope this route needs' },
  'delivery-not-found': { status: 404, title: 'No such delivery' },
  'route-not-found': { status: 404, title: 'No such route' },
  'target-not-found': { status: 404, title: 'The config declares no such target' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'delivery-conflict': {
    status: 409,
    title: 'This delivery id was used for another request',
  },
  'action-refused': { status: 409, title: 'The delivery refused the action' },
  'batch-not-found': { status: 404, title: 'No such bulk action' },
  'batch-refused': { status: 409, title: 'Temporal did not start the bulk action now' },
  'target-action-refused': { status: 409, title: 'The target refused the action' },
  'request-timeout': { status: 408, title: 'The request took too long to arrive' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'uri-too-long': { status: 414, title: 'The request URL is too long' },
  'misdirected-request': { status: 421, title: 'This gateway does not answer to that host name' },
  'unsupported-media-type': { status: 415, title: 'The request body must be JSON' },
  'unknown-target': {
    status: 422,
    title: 'The delivery names targets the config does not declare',
  },
  'undecryptable-payload': {
    status: 422,
    title: 'A payload does not decrypt with the configured codec keys',
  },
  'too-many-requests': {
    status: 429,
    title: 'Too many requests for this API key, or failed ones from this address',
  },
  'headers-too-large': { status: 431, title: 'The request headers are too large' },
  'temporal-unavailable': { status: 503, title: 'Temporal cannot be reached' },
  'worker-unavailable': { status: 503, title: 'No worker answered in time' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

/** One kind of refusal (see {@link PROBLEMS}). */
export type ProblemKind = keyof typeof PROBLEMS;

/** The `type` URI of a problem kind. */
export function problemType(kind: ProblemKind): string {
  return `urn:tandem:problem:${kind}`;
}

/** A refusal on its way to becoming an `application/problem+json` answer. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly status: number;
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extras: {
      errors?: FieldError[];
      headers?: Record<string, string>;
      [member: string]: unknown;
    } = {},
    options?: ErrorOptions,
  ) {
    super(detail, options);
    this.status = PROBLEMS[kind].status;
  }

  /** The problem body (RFC 9457), with the extension members given. */
  body(instance?: string): Problem {
    const members: Record<string, unknown> = { ...this.extras };
    delete members.headers;
    return {
      type: problemType(this.kind),
      title: PROBLEMS[this.kind].title,
      status: this.status,
      detail: this.detail,
      ...(instance !== undefined && { instance }),
      ...members,
    };
  }
}

/** A JSON Pointer (RFC 6901) to a field of the body. */
export function pointerOf(path: readonly PropertyKey[]): string {
  return (
    '#' + path.map((part) => '/' + String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('')
  );
}

/**
 * A 400 naming every bad field, up to `MAX_ISSUES_LISTED`: beyond them (and the `omitted` ones
 * left out before) `errorsOmitted` counts the rest and the detail ends `…and N more`.
 */
export function invalidRequest(errors: FieldError[], omitted = 0): ProblemError {
  const { listed, omitted: left } = capped(errors, omitted);
  const total = listed.length + left;
  const named = listed.map((e) => `${e.path || e.in}: ${e.detail}`);
  return new ProblemError(
    'invalid-request',
    `${total} problem${total === 1 ? '' : 's'}: ${named.join('; ')}${andMore(left)}`,
    { errors: listed, ...(left > 0 && { errorsOmitted: left }) },
  );
}

/** Issues of one part of a request (`where`) as field errors, with JSON Pointers into bodies. */
export function fieldErrors(where: FieldError['in'], issues: readonly PathIssue[]): FieldError[] {
  return issues.map((issue) => ({
    in: where,
    ...joined(issue),
    ...(where === 'body' && { pointer: pointerOf(issue.path) }),
  }));
}

/**
 * Parses one part of a request (`where`) with its schema: the typed value, or the field errors
 * of its bad fields (and how many more were only counted).
 */
export function parsePart<T extends z.ZodType>(
  where: FieldError['in'],
  schema: T,
  value: unknown,
): { ok: true; value: z.output<T> } | { ok: false; errors: FieldError[]; omitted: number } {
  const parsed = parseWith(schema, value);
  return parsed.ok
    ? parsed
    : { ok: false, errors: fieldErrors(where, parsed.issues), omitted: parsed.omitted };
}
