/**
 * How a request becomes a route's typed input: JSON bodies only, and each part (path, query,
 * body) parsed by the route's schema, every bad field named in one `400`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { scanNesting } from '../contract/json-shape';
import { MAX_BODY_DEPTH, MAX_JSON_DEPTH } from '../contract/limits';
import { invalidRequest, parsePart, ProblemError } from './problems';
import type { Route } from './route';
import type { FieldError } from './schemas';
import { callerLabel } from './auth';

/** Fastify's `/v1/deliveries/:id` for OpenAPI's `/v1/deliveries/{id}`. */
export function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** A 400 about the body as a whole: `detail` says what is wrong with it. */
function wholeBodyProblem(detail: string): ProblemError {
  return new ProblemError('invalid-request', `The request body ${detail}.`, {
    errors: [{ in: 'body', path: '', pointer: '#', detail }],
  });
}

/**
 * JSON only. An empty body is no body, so `POST …/retry` works with or without `{}`. Text that
 * nests deeper than any request may ({@link MAX_BODY_DEPTH}) is refused before it is parsed:
 * nothing after the parser then meets more than that depth.
 */
export function acceptJsonOnly(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (typeof text !== 'string' || text.trim() === '') return done(null, undefined);
    const tooDeep = scanNesting(text, MAX_BODY_DEPTH);
    if (tooDeep) {
      return done(
        wholeBodyProblem(
          `nests deeper than ${MAX_BODY_DEPTH} levels at offset ${tooDeep.offset} (a payload ` +
            `may nest at most ${MAX_JSON_DEPTH} levels inside the request)`,
        ),
        undefined,
      );
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        wholeBodyProblem(`is not valid JSON (${(error as Error).message.slice(0, 200)})`),
        undefined,
      );
    }
  });
}

/**
 * Serves one route: parses its parts with its schemas, then answers as its handler says, telling
 * it which key's name asks (`callerOf`, for the audit trail).
 */
export function serve(
  app: FastifyInstance,
  spec: Route,
  callerOf: (request: FastifyRequest) => string = () => callerLabel(undefined),
): void {
  app.route({
    method: spec.method,
    url: fastifyPath(spec.path),
    config: { scope: spec.scope, ...(spec.scope === undefined && { rateLimit: false }) },
    handler: async (request, reply) => {
      const errors: FieldError[] = [];
      let omitted = 0;
      const part = (where: FieldError['in'], schema: Route['params'], value: unknown): unknown => {
        if (schema === undefined) return undefined;
        const parsed = parsePart(where, schema, value);
        if (parsed.ok) return parsed.value;
        errors.push(...parsed.errors);
        omitted += parsed.omitted;
        return undefined;
      };
      const params = part('path', spec.params, request.params);
      const query = part('query', spec.query, request.query);
      let body: unknown = request.body;
      if (body === undefined && spec.body !== undefined) {
        if (spec.bodyRequired) {
          errors.push({
            in: 'body',
            path: '',
            pointer: '#',
            detail: 'is required (a JSON object)',
          });
        } else body = {};
      }
      const parsedBody =
        spec.body !== undefined && body !== undefined ? part('body', spec.body, body) : undefined;
      if (errors.length > 0) throw invalidRequest(errors, omitted);

      const answer = await spec.handle({
        params,
        query,
        body: parsedBody,
        caller: callerOf(request),
      });
      reply.code(answer.status).headers(answer.headers ?? {});
      return answer.body;
    },
  });
}
