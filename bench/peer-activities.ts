/**
 * The hand-written saga's activities (`peer-workflows.ts`), as a Temporal user would write them
 * in the style of Temporal's TypeScript samples: one HTTP call each to the bench's targets over a
 * pooled undici client, throwing on any answer but a 2xx, so the workflow's retry policy applies.
 * Called directly, with no Temporal, they are the bare baseline: the same HTTP calls as a delivery.
 */
import { request, type Dispatcher } from 'undici';
import { TANDEM_HEADERS } from '../src/contract/contracts';
import type { BenchConfigDocument } from './config';

export function createPeerActivities({ targets }: BenchConfigDocument, agent: Dispatcher) {
  const url = (target: string) => targets[target as keyof typeof targets].request.url;
  async function call(method: string, url: string, key: string, id: string, body?: unknown) {
    const answer = await request(url, {
      dispatcher: agent,
      method,
      headers: {
        'content-type': 'application/json',
        [TANDEM_HEADERS.idempotencyKey]: key,
        // What the targets' log times each delivery by.
        [TANDEM_HEADERS.delivery]: id,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.body.text();
    if (answer.statusCode >= 300) throw new Error(`${method} ${url} answered ${answer.statusCode}`);
    return text;
  }
  return {
    /** Creates the delivery's record at `target`; returns the id its answer names. */
    async create(target: string, deliveryId: string, payload: unknown): Promise<string> {
      const text = await call('POST', url(target), `${deliveryId}:${target}`, deliveryId, payload);
      return (JSON.parse(text) as { id: string }).id;
    },
    /** Undoes what `create` did at `target`. */
    async undo(target: string, deliveryId: string, id: string): Promise<void> {
      const key = `${deliveryId}:${target}:compensate`;
      await call('DELETE', `${url(target)}/${id}`, key, deliveryId);
    },
  };
}

export type PeerActivities = ReturnType<typeof createPeerActivities>;
