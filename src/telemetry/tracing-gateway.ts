/** The gateway's request spans: SERVER spans continuing the caller's W3C `traceparent`. */
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { incomingContext } from './tracing';

/**
 * Traces every request `app` serves as a span named `{method} {route}` (the route's template,
 * never the path: a path may hold a token). The span is made active once the body is read, so
 * the handler's calls (a delivery's start) are its children.
 */
export function traceRequests(app: FastifyInstance): void {
  const spans = new WeakMap<
    FastifyRequest,
    { span: Span; parent: ReturnType<typeof incomingContext> }
  >();
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = incomingContext(request.headers);
    const span = trace
      .getTracer('tandem')
      .startSpan(
        request.method,
        { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method } },
        parent,
      );
    spans.set(request, { span, parent });
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const traced = spans.get(request);
    if (!traced) return done();
    context.with(trace.setSpan(traced.parent, traced.span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const traced = spans.get(request);
    if (traced) {
      const route = request.routeOptions.url;
      if (route !== undefined) {
        traced.span.updateName(`${request.method} ${route}`);
        traced.span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      traced.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
      if (reply.statusCode >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR });
      traced.span.end();
    }
    done();
  });
}
