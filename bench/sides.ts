/**
 * The two sides of every row, as a `Deliver` each: the bare baseline (the same HTTP calls as a
 * delivery, without Tandem) and a Tandem delivery through the row's way in.
 */
import { request, type Dispatcher } from 'undici';
import { resolveHeaderSecrets } from '../src/activities/secrets';
import { idempotencyKeyFor, TANDEM_HEADERS } from '../src/contract/contracts';
import { judgeStatus } from '../src/http/judge';
import { BENCH_ENV, LEG_TARGETS, payloadFor } from './config';
import type { Deliver } from './drive';
import type { RowSpec } from './matrix';
import { GATEWAY_KEY, type Running } from './system';

/** POSTs `body` as JSON to the row's way in; the answer's JSON, or an error unless it is `status`. */
async function post(agent: Dispatcher, url: string, status: number, body: object, headers = {}) {
  const answer = await request(url, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await answer.body.text();
  if (answer.statusCode !== status)
    throw new Error(`${url} answered ${answer.statusCode}: ${text}`);
  return JSON.parse(text) as { status: string; reason?: string };
}

/**
 * The baseline: every leg's POST at once with `Promise.allSettled`, carrying what the `deliver`
 * activity sends (config headers with secrets resolved, Tandem's own headers), judged by the same
 * status table, over a pool as large as the workers' HTTP client's.
 */
export function baselineDeliver(running: Running, spec: RowSpec, agent: Dispatcher): Deliver {
  const legs = LEG_TARGETS.slice(0, spec.legs).map((target) => {
    const { request, successStatuses } = running.config.targets[target]!;
    const headers = resolveHeaderSecrets(request.headers, BENCH_ENV);
    return { target, ...request, headers, successStatuses };
  });
  return async (id) => {
    const body = JSON.stringify(payloadFor(id));
    const results = await Promise.allSettled(
      legs.map(async (leg) => {
        const answer = await request(leg.url, {
          dispatcher: agent,
          method: leg.method,
          headers: {
            ...leg.headers,
            'content-type': 'application/json',
            [TANDEM_HEADERS.idempotencyKey]: idempotencyKeyFor(id, leg.target),
            [TANDEM_HEADERS.delivery]: id,
            [TANDEM_HEADERS.attempt]: '1',
          },
          body,
          headersTimeout: leg.timeout,
          bodyTimeout: leg.timeout,
        });
        const text = await answer.body.text();
        if (judgeStatus(answer.statusCode, leg.successStatuses) !== 'success') {
          throw new Error(`${leg.target} answered ${answer.statusCode}: ${text}`);
        }
      }),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (failed.length > 0) throw new Error(`Delivery ${id} failed: ${failed.join('; ')}`);
  };
}

/**
 * A Tandem delivery through the row's way in: a client in the driver, the app hosting the workers
 * (which waits for the end itself), or the gateway (its 202 timed). Throws unless it completed.
 */
export function tandemDeliver(running: Running, spec: RowSpec, agent: Dispatcher): Deliver {
  const targets = LEG_TARGETS.slice(0, spec.legs);
  const { starter } = spec.setup;
  const authorization = `Bearer ${GATEWAY_KEY}`;
  return async (id) => {
    const delivery = { id, targets, payload: payloadFor(id) };
    const began = performance.now();
    let acceptedMs: number | undefined;
    if (starter === 'gateway') {
      await post(agent, `${running.gateway!.url}/v1/deliveries`, 202, delivery, { authorization });
      acceptedMs = performance.now() - began;
    } else if (starter === 'client') await running.client.start(delivery);
    const { status, reason } =
      starter === 'app'
        ? await post(agent, `${running.worker.ready.url}/deliver`, 200, delivery)
        : await running.client.result(id);
    if (status !== 'completed') throw new Error(`Delivery ${id} ended ${status}: ${reason ?? ''}`);
    return { acceptedMs };
  };
}
