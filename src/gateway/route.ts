import type { z } from 'zod';
import type { Scope } from './auth';

/** One documented answer of a route. */
export interface ResponseSpec {
  description: string;
  /** The body's schema; none for an empty body. */
  schema?: z.ZodType;
  /** Default `application/json`; problems are `application/problem+json`. */
  contentType?: string;
  headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }>;
}

/** What a route's handler answers: a status it documents, and a body of that status's schema. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Input<T extends z.ZodType | undefined> = T extends z.ZodType ? z.output<T> : undefined;

/**
 * One route of the gateway, declared once: Fastify serves it, its schemas parse the request, and
 * the OpenAPI document describes it, all from this value.
 */
export interface Route<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: 'GET' | 'POST';
  /** OpenAPI style: `/v1/deliveries/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** The scope an API key needs here (when keys are configured); none: open to all. */
  scope?: Scope;
  params?: P;
  query?: Q;
  body?: B;
  /** Whether a body must be sent; an absent optional body is parsed as `{}`. */
  bodyRequired?: boolean;
  responses: Record<number, ResponseSpec>;
  handle(input: {
    params: Input<P>;
    query: Input<Q>;
    body: Input<B>;
    /** Who asks, as operator actions record it: `key:<name>` of the API key (see `callerLabel`). */
    caller: string;
  }): Promise<Answer>;
}

/** Declares a route with its handler typed by its schemas. */
export function route<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: Route<P, Q, B>): Route {
  return spec;
}
