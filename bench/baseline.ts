/** The bare side of every row: the same HTTP calls as a delivery, without Tandem. */
import { request, type Dispatcher } from 'undici';
import { resolveHeaderSecrets } from '../src/activities/secrets';
import { idempotencyKeyFor, TANDEM_HEADERS } from '../src/contract/contracts';
import { judgeStatus } from '../src/http/judge';
import { BENCH_ENV, LEG_TARGETS, payloadFor } from './config';
import type { Deliver } from './drive';
import type { RowSpec } from './matrix';
import type { Running } from './system';

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
