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

/**
 * The baseline: every leg's POST at once with `Promise.allSettled`, carrying what the `deliver`
 * activity sends (config headers with secrets resolved, Tandem's own headers), judged by the same
 * status table, over a pool as large as the workers' HTTP client's.
 */
export function baselineDeliver(running: Running, spec: RowSpec, agent: Dispatcher): Deliver {
  const legs = LEG_TARGETS.slice(0, spec.legs).map((target) => {
    const leg = running.config.targets[target]!;
    const { method, url, timeout } = leg.request;
    const headers = resolveHeaderSecrets(leg.request.headers, BENCH_ENV);
    return { target, method, url, timeout, headers, successStatuses: leg.successStatuses };
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

function completed(id: string, status: string, reason?: string): void {
  if (status !== 'completed') throw new Error(`Delivery ${id} ended ${status}: ${reason ?? ''}`);
}

/** A Tandem delivery, through the row's way in; throws unless it completed. */
export function tandemDeliver(running: Running, spec: RowSpec, agent: Dispatcher): Deliver {
  const targets = LEG_TARGETS.slice(0, spec.legs);
  switch (spec.setup.starter) {
    case 'client':
      return async (id) => {
        await running.client.start({ id, targets, payload: payloadFor(id) });
        const state = await running.client.result(id);
        completed(id, state.status, state.reason);
      };
    case 'app':
      return async (id) => {
        const answer = await request(`${running.worker.ready.url}/deliver`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id, targets, payload: payloadFor(id) }),
        });
        const text = await answer.body.text();
        if (answer.statusCode !== 200)
          throw new Error(`app answered ${answer.statusCode}: ${text}`);
        const { status, reason } = JSON.parse(text) as { status: string; reason?: string };
        completed(id, status, reason);
      };
    case 'gateway':
      return gatewayDeliver(running, spec, agent);
  }
}

/** A delivery posted to the gateway: times the 202, then waits for the run to complete. */
export function gatewayDeliver(running: Running, spec: RowSpec, agent: Dispatcher): Deliver {
  const targets = LEG_TARGETS.slice(0, spec.legs);
  return async (id) => {
    const began = performance.now();
    const answer = await request(`${running.gateway!.url}/v1/deliveries`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_KEY}` },
      body: JSON.stringify({ id, targets, payload: payloadFor(id) }),
    });
    const text = await answer.body.text();
    const acceptedMs = performance.now() - began;
    if (answer.statusCode !== 202) {
      throw new Error(`gateway answered ${answer.statusCode}: ${text}`);
    }
    const state = await running.client.result(id);
    completed(id, state.status, state.reason);
    return { acceptedMs };
  };
}
