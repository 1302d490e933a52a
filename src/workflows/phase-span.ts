/**
 * A leg's and a compensation's span, made in the workflow. The tracer is the one the SDK's
 * workflow interceptors register in the sandbox (see `tracing-interceptors.ts`): its spans take
 * workflow time and seeded ids, so they are deterministic, and they are exported through a sink
 * that replay does not call. The attempts' activities, scheduled inside, become its children.
 */
import { context, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { SpanAttr, SpanEvent } from '../contract/tracing';
import { runTrace } from './run-trace';

/** How a phase's attempts ended, as far as its span tells. */
interface PhaseEnd {
  ok: boolean;
  stopped?: boolean;
  error?: string;
}

/**
 * Runs a phase's attempts inside a span named `name`, which records how the phase ended. The
 * phase's own promise is returned, not one chained after it: an extra step in the chain would
 * change the order in which the run's handlers and phases finish within a workflow task, and so
 * the order of its commands, and histories recorded before the span existed would no longer replay.
 */
export function inPhaseSpan<T extends PhaseEnd>(
  name: string,
  attributes: Attributes,
  run: () => Promise<T>,
): Promise<T> {
  if (runTrace() === undefined) return run();
  const span = trace.getTracer('tandem').startSpan(name, { attributes });
  const phase = context.with(trace.setSpan(context.active(), span), run);
  phase.then(
    (end) => {
      span.setAttribute(
        SpanAttr.outcome,
        end.ok ? 'succeeded' : end.stopped === true ? 'stopped' : 'failed',
      );
      if (!end.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: end.error ?? '' });
      span.end();
    },
    () => span.end(),
  );
  return phase;
}

/** Marks on the phase's span that its target holds it (`why`, naming the breaker). */
export function heldEvent(why: string): void {
  trace.getActiveSpan()?.addEvent(SpanEvent.held, { [SpanAttr.heldBy]: why });
}

/** Marks a wait before the next attempt on the phase's span. */
export function backoffEvent(delayMs: number, retryAfterMs: number | undefined): void {
  trace.getActiveSpan()?.addEvent(SpanEvent.backoff, {
    [SpanAttr.delayMs]: delayMs,
    ...(retryAfterMs !== undefined && { [SpanAttr.retryAfterMs]: retryAfterMs }),
  });
}
