import { afterEach, describe, expect, it } from 'vitest';
import { answerJson, startHttpTarget, type HttpTarget } from '../support/http-target';
import { startSystem, type System } from '../support/system';

const both = ['inventory', 'shipping'];

describe('a compensation built from the answer', () => {
  let system: System;
  let target: HttpTarget;
  afterEach(async () => {
    await system.stop();
    await target.close();
  });

  it('undoes exactly the resource the answer named: an id beyond 2^53 whole, a/b as one segment, .. never sent', async () => {
    // Inventory answers with the id the payload asks for, written as raw JSON text.
    target = await startHttpTarget((request, res) => {
      if (request.url === '/reservations') {
        const { rawId } = JSON.parse(request.body) as { rawId: string };
        answerJson(res, 201, `{"id":${rawId}}`);
      } else if (request.url === '/shipments') {
        answerJson(res, 422, '{"error":"no address"}');
      } else {
        res.writeHead(204).end();
      }
    });
    system = await startSystem((doc) => {
      doc.targets.inventory.request.url = `${target.url}/reservations`;
      doc.targets.shipping.request.url = `${target.url}/shipments`;
      Object.assign(doc.targets.inventory.compensate, {
        url: `${target.url}/reservations/{{response.body.id}}`,
        body: { id: '{{response.body.id}}' },
      });
    });
    const { client } = system;
    const [big, slash, dots] = [system.newId('big'), system.newId('slash'), system.newId('dots')];

    await Promise.all([
      client.start({ id: big, targets: both, payload: { rawId: '12345678901234567890' } }),
      client.start({ id: slash, targets: both, payload: { rawId: '"a/b"' } }),
      client.start({ id: dots, targets: both, payload: { rawId: '".."' } }),
    ]);
    const [bigState, slashState] = await Promise.all([client.result(big), client.result(slash)]);
    const dotsState = await client.waitFor(dots, ['needs_attention']);

    const undos = target.received.filter((r) => r.method === 'DELETE');
    const undoOf = (id: string) => undos.filter((r) => r.headers['x-tandem-delivery'] === id);
    expect(bigState.status).toBe('compensated');
    expect(undoOf(big).map((r) => [r.url, r.body])).toEqual([
      ['/reservations/12345678901234567890', '{"id":12345678901234567890}'],
    ]);
    expect(slashState.status).toBe('compensated');
    expect(undoOf(slash).map((r) => [r.url, r.body])).toEqual([
      ['/reservations/a%2Fb', '{"id":"a/b"}'],
    ]);
    expect(dotsState.status).toBe('needs_attention');
    expect(dotsState.reason).toContain('renders response.body.id as ".."');
    expect(dotsState.legs[0]).toMatchObject({ target: 'inventory', status: 'compensation_failed' });
    expect(dotsState.legs[0]!.compensation).toMatchObject({ attempts: 1 });
    expect(undoOf(dots)).toEqual([]);
  }, 120_000);
});
