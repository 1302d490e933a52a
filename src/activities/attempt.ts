import { ApplicationFailure, Context } from '@temporalio/activity';
import type { HttpAnswer } from '../contract/contracts';
import { FailureType, type AttemptFailureDetails } from '../contract/failures';
import {
  HttpEgressError,
  HttpNetworkError,
  HttpRequestError,
  type HttpClient,
  type HttpRequest,
} from '../http/client';
import { parseRetryAfter, type Verdict } from '../http/judge';
import type { AttemptOutcomeClass } from '../contract/metrics';
import type { AttemptEnd } from '../telemetry/metrics';
import { traceAttempt, type AttemptSettle, type AttemptTrace } from '../telemetry/tracing';
import { scrubAnswer } from './secrets';

const HEARTBEAT_EVERY_MS = 1_000;
const EXCERPT_CHARS = 300;

/** The start of an answer's body, scrubbed before it is cut so no part of a secret is left. */
function excerpt(body: unknown, scrub: (text: string) => string): string {
  if (body === null || body === undefined || body === '') return '';
  const text = scrub(typeof body === 'string' ? body : JSON.stringify(body));
  return `: ${text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text}`;
}

/**
 * Sends one attempt and turns the answer into the activity's result, or into an
 * `ApplicationFailure` whose type and details tell the workflow how to go on. The activity
 * heartbeats while it waits so that a dead worker is noticed in seconds, not at the timeout.
 * Every failure's message goes through `scrub` before the failure (and its stack trace) is
 * built, and carries no `cause`: a library's error may quote the resolved URL. A kept answer
 * goes through `scrub` too: a target may echo a secret it was sent. The attempt is one span
 * (see `traceAttempt`) whose `traceparent` the target receives; `end` hears its outcome class,
 * for the metrics, and the attempt's log line tells the same class.
 */
export async function sendAttempt(
  http: HttpClient,
  label: string,
  request: HttpRequest,
  judge: (status: number) => Verdict,
  scrub: (text: string) => string,
  end: AttemptEnd,
  trace: AttemptTrace,
): Promise<HttpAnswer> {
  return traceAttempt(trace, (traceHeaders, settle) =>
    sendJudged(
      http,
      label,
      { ...request, headers: { ...request.headers, ...traceHeaders } },
      judge,
      scrub,
      (outcome, status) => {
        end(outcome);
        settle(outcome, status);
      },
    ),
  );
}

async function sendJudged(
  http: HttpClient,
  label: string,
  request: HttpRequest,
  judge: (status: number) => Verdict,
  scrub: (text: string) => string,
  settled: AttemptSettle,
): Promise<HttpAnswer> {
  const context = Context.current();
  const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  const started = performance.now();
  // One line per attempt: what came of it, never what was sent (headers, body, resolved URL).
  const finish = (outcome: AttemptOutcomeClass, status?: number, sent?: boolean): void => {
    settled(outcome, status);
    const fields = {
      outcome,
      ...(status !== undefined && { status }),
      ...(sent !== undefined && { sent }),
      duration_ms: Math.round(performance.now() - started),
    };
    const told = status === undefined ? outcome : `answered ${status}: ${outcome}`;
    if (outcome === 'success') context.log.info(`${label} ${told}`, fields);
    else context.log.warn(`${label} ${told}`, fields);
  };
  let answer: HttpAnswer;
  try {
    context.heartbeat();
    answer = await http.send({ ...request, signal: context.cancellationSignal });
  } catch (error) {
    if (error instanceof HttpRequestError || error instanceof HttpEgressError) {
      finish('not_sent');
      throw ApplicationFailure.create({
        type: error instanceof HttpEgressError ? FailureType.EgressRefused : FailureType.Unsendable,
        message: scrub(`${label}: ${error.message}`),
        nonRetryable: true,
        details: [{ outcome: 'not_sent' } satisfies AttemptFailureDetails],
      });
    }
    // Anything else ended the attempt on the wire too (an abort on cancellation, for one).
    finish('network', undefined, error instanceof HttpNetworkError ? error.sent : undefined);
    if (!(error instanceof HttpNetworkError)) throw error;
    throw ApplicationFailure.create({
      type: FailureType.Network,
      message: scrub(`${label}: ${error.message}`),
      nonRetryable: false,
      details: [{ outcome: error.sent ? 'unknown' : 'not_sent' } satisfies AttemptFailureDetails],
    });
  } finally {
    clearInterval(heartbeat);
  }

  const verdict = judge(answer.status);
  finish(verdict, answer.status);
  if (verdict === 'success') return scrubAnswer(answer, scrub);
  const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], Date.now());
  throw ApplicationFailure.create({
    type: verdict === 'transient' ? FailureType.TransientHttp : FailureType.PermanentHttp,
    message: scrub(`${label} answered ${answer.status}${excerpt(answer.body, scrub)}`),
    nonRetryable: verdict === 'permanent',
    details: [
      {
        outcome: 'rejected',
        status: answer.status,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      } satisfies AttemptFailureDetails,
    ],
  });
}
