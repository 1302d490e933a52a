import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../src/contract/contracts';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';

/** A refusal as the gateway answers it. */
type Refusal = {
  type: string;
  detail: string;
  errors?: { in: string; path: string; detail: string }[];
};

describe('a refusal of the run keeps its meaning on the way to the gateway', () => {
  let system: GatewaySystem;
  afterEach(() => system.stop());

  /** A running delivery whose shipping leg waits out a 60 s Retry-After. */
  async function running(): Promise<string> {
    system.targets.setFault('shipping', 'create', { status: 503, retryAfter: '60', times: 1 });
    const id = system.newId();
    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'S-1' } });
    await system.until(id, (s: DeliveryState) =>
      s.legs.some((leg) => leg.target === 'shipping' && leg.retryAt !== undefined),
    );
    return id;
  }

  it('answers 400 naming the leg when the run refuses to extend a leg the delivery does not have, and 409 when the action does not apply now', async () => {
    system = await startGatewaySystem();
    const id = await running();
    const post = (action: string, json: unknown) =>
      system.http<Refusal>('POST', `/v1/deliveries/${id}/${action}`, { json });

    // `duration` is fine by the schema: only the run knows the delivery has no leg `billing`.
    const invalid = await post('extend', { leg: 'billing', duration: '10m' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.type).toBe('urn:tandem:problem:invalid-request');
    expect(invalid.body.errors?.map((e) => [e.in, e.path])).toEqual([['body', 'leg']]);
    expect(invalid.body.errors?.[0]?.detail).toMatch(/no leg "billing"/);

    const notNow = await post('resume', { leg: 'shipping' });
    expect(notNow.status).toBe(409);
    expect(notNow.body.type).toBe('urn:tandem:problem:action-refused');
  }, 120_000);
});
