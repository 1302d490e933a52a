import type { z } from 'zod';
import type { FieldError, Problem } from './schemas';

/**
 * Every kind of refusal the gateway gives, with its HTTP status and title. The `type` of a
 * problem body is `urn:tandem:problem:<kind>`; metrics count refusals by kind.
 */
export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'The request is invalid' },
  unauthorized: { status: 401, title: 'A valid API key is required' },
  'delivery-not-found': { status: 404, title: 'No such delivery' },
  'route-not-found': { status: 404, title: 'No such route' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'delivery-conflict': {
    status: 409,
    title: 'This delivery id was used for another request',
  },
  'action-refused': { status: 409, title: 'The delivery refused the action' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'The request body must be JSON' },
  'unknown-target': {
    status: 422,
    title: 'The delivery names targets the config does not declare',
  },
  'temporal-unavailable': { status: 503, title: 'Temporal cannot be reached' },
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

/** Every zod issue as field errors; an unknown key becomes an error of its own, named by its path. */
export function fieldErrors(
  where: FieldError['in'],
  issues: readonly z.core.$ZodIssue[],
): FieldError[] {
  return issues.flatMap((issue) => {
    const paths =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: [...issue.path, key], detail: 'is not a known field' }))
        : [{ path: issue.path, detail: issue.message }];
    return paths.map(({ path, detail }) => ({
      in: where,
      path: path.map(String).join('.'),
      ...(where === 'body' && { pointer: pointerOf(path) }),
      detail,
    }));
  });
}

/** A 400 naming every bad field. */
export function invalidRequest(errors: FieldError[]): ProblemError {
  const named = errors.map((e) => `${e.path || e.in}: ${e.detail}`);
  return new ProblemError(
    'invalid-request',
    `${errors.length} problem${errors.length === 1 ? '' : 's'}: ${named.join('; ')}`,
    { errors },
  );
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && Number.isNaN(value)) return 'not a number';
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  object: 'a JSON object',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** Messages for the issues the schemas leave to zod, in the words the config errors use. */
const readable: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${kindOf(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
  }
  return undefined;
};

/**
 * Parses one part of a request (`where`) with its schema: the typed value, or the field errors
 * of every bad field in it.
 */
export function parsePart<T extends z.ZodType>(
  where: FieldError['in'],
  schema: T,
  value: unknown,
): { ok: true; value: z.output<T> } | { ok: false; errors: FieldError[] } {
  const result = schema.safeParse(value, { error: readable });
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, errors: fieldErrors(where, result.error.issues) };
}
