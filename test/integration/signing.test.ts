import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signatureHeaders } from '../../src/activities/signing';
import { historyText } from '../support/history';
import {
  answerJson,
  startHttpTarget,
  type HttpTarget,
  type TargetRequest,
} from '../support/http-target';
import { startOwnWorkers } from '../support/own-workers';
import { startSystem, type System } from '../support/system';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The three Standard Webhooks headers of a captured request, as a receiver reads them. */
function webhookHeaders(request: TargetRequest): Record<string, string> {
  const pick = (name: string) => String(request.headers[name] ?? '');
  return {
    'webhook-id': pick('webhook-id'),
    'webhook-timestamp': pick('webhook-timestamp'),
    'webhook-signature': pick('webhook-signature'),
  };
}

const verifies = (secret: string, body: string, request: TargetRequest) => {
  new Webhook(secret).verify(body, webhookHeaders(request));
  return true;
};

describe('signed requests (Standard Webhooks)', () => {
  let system: System;
  let target: HttpTarget;
  let stopWorkers: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stopWorkers?.();
    await system.stop();
    await target.close();
  });

  it('sign every attempt and compensation so the standardwebhooks verifier accepts them with each active secret', async () => {
    const secrets = { SIGN_NEW: newSecret(), SIGN_OLD: newSecret(), SIGN_RETIRED: newSecret() };
    let reservations = 0;
    // Shipping refuses only once inventory has succeeded, so that success is undone.
    const refuseShipping: (() => void)[] = [];
    target = await startHttpTarget((request, res) => {
      if (request.url === '/reservations') {
        // The first attempt is asked to come again, so a retry is signed too.
        if (++reservations === 1) return answerJson(res, 503, '{}');
        answerJson(res, 201, '{"id":"r-1"}');
        return refuseShipping.splice(0).forEach((refuse) => refuse());
      }
      if (request.url === '/shipments') {
        const refuse = () => answerJson(res, 422, '{"error":"no address"}');
        return void (reservations >= 2 ? refuse() : refuseShipping.push(refuse));
      }
      if (request.url === '/entries') return answerJson(res, 201, '{}');
      res.writeHead(204).end();
    });
    system = await startSystem(
      (doc) => {
        doc.targets.inventory.request.url = `${target.url}/reservations`;
        doc.targets.shipping.request.url = `${target.url}/shipments`;
        Object.assign(doc.targets.inventory, {
          // Mid-rotation: the receiver may hold either secret.
          signing: { secrets: ['${SIGN_NEW}', '${SIGN_OLD}'] },
        });
        Object.assign(doc.targets.inventory.compensate, {
          url: `${target.url}/reservations/{{response.body.id}}`,
          body: { id: '{{response.body.id}}' },
        });
        // After the rotation: only the new secret signs.
        Object.assign(doc.targets, {
          ledger: {
            request: { url: `${target.url}/entries` },
            retry: { initialInterval: '200ms' },
            signing: { secret: '${SIGN_NEW}' },
          },
        });
      },
      { workers: false },
    );
    stopWorkers = await startOwnWorkers(system, { env: { INVENTORY_TOKEN: 'x', ...secrets } });
    const [order, entry] = [system.newId('signed'), system.newId('rotated')];
    const sentFrom = Math.floor(Date.now() / 1000);

    await system.client.start({
      id: order,
      targets: ['inventory', 'shipping'],
      payload: { sku: 'A-1' },
    });
    await system.client.start({ id: entry, targets: ['ledger'], payload: { amount: 12 } });
    expect((await system.client.result(order)).status).toBe('compensated');
    expect((await system.client.result(entry)).status).toBe('completed');
    const sentUntil = Math.ceil(Date.now() / 1000);

    const of = (id: string) => target.received.filter((r) => r.headers['x-tandem-delivery'] === id);
    const inventory = of(order).filter((r) => r.url.startsWith('/reservations'));
    expect(inventory.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /reservations',
      'POST /reservations',
      'DELETE /reservations/r-1',
    ]);
    expect(inventory.map((r) => r.headers['webhook-id'])).toEqual([
      `${order}:inventory`,
      `${order}:inventory`,
      `${order}:inventory:compensate`,
    ]);
    for (const request of inventory) {
      const timestamp = Number(request.headers['webhook-timestamp']);
      expect(timestamp).toBeGreaterThanOrEqual(sentFrom);
      expect(timestamp).toBeLessThanOrEqual(sentUntil);
      expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(verifies(secrets.SIGN_NEW, request.body, request)).toBe(true);
      expect(verifies(secrets.SIGN_OLD, request.body, request)).toBe(true);
      // A tampered body fails, and so does a secret this target never signed with.
      expect(() => verifies(secrets.SIGN_NEW, `${request.body} `, request)).toThrow(
        WebhookVerificationError,
      );
      expect(() => verifies(secrets.SIGN_RETIRED, request.body, request)).toThrow(
        'No matching signature found',
      );
    }
    expect(inventory[2]!.body).toBe('{"id":"r-1"}');

    // An unsigned target gets no signature headers.
    const shipping = of(order).filter((r) => r.url === '/shipments');
    expect(shipping.length).toBeGreaterThan(0);
    expect(shipping.every((r) => r.headers['webhook-signature'] === undefined)).toBe(true);

    // Once the old secret is retired from the config, a receiver still holding it refuses.
    const [ledger] = of(entry);
    expect(verifies(secrets.SIGN_NEW, ledger!.body, ledger!)).toBe(true);
    expect(() => verifies(secrets.SIGN_OLD, ledger!.body, ledger!)).toThrow(
      'No matching signature found',
    );

    // A captured request replayed later than the spec's five-minute tolerance is refused.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime((sentUntil + 6 * 60) * 1000);
      expect(() => verifies(secrets.SIGN_NEW, ledger!.body, ledger!)).toThrow(
        'Message timestamp too old',
      );
    } finally {
      vi.useRealTimers();
    }

    // The secrets stay in the worker: neither value nor key is in either run's history.
    const histories =
      (await historyText(system.connection, order)) + (await historyText(system.connection, entry));
    for (const value of Object.values(secrets)) {
      expect(histories).not.toContain(value);
      expect(histories).not.toContain(value.slice('whsec_'.length));
    }
  }, 120_000);
});

describe('signatureHeaders', () => {
  it('refuses a signing secret that is not whsec_ and base64 of 24 to 64 bytes, naming the ${VAR} and never the value', () => {
    const signing = { secrets: ['${SIGN}'] };
    for (const value of [
      'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'whsec_c2hvcnQ=',
      'whsec_not base64!',
    ]) {
      const sign = () => signatureHeaders(signing, 'o-1:a', '{}', () => value);
      expect(sign).toThrow(
        "The worker's ${SIGN}, a signing secret, is not whsec_ followed by the base64 of 24 to 64 bytes",
      );
      expect(sign).not.toThrow(value);
    }
  });
});
