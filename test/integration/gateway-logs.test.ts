import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, startGatewaySystem, type GatewaySystem } from '../support/gateway';
import { memoryLogger } from '../support/log-lines';

describe('the gateway log', () => {
  let system: GatewaySystem;
  afterEach(() => system.stop());

  it('has a line for each request that names the delivery it is about, and never the API key', async () => {
    const { logger, lines } = memoryLogger();
    system = await startGatewaySystem({ workers: false, logger });
    const id = system.newId();

    const started = await system.http('POST', '/v1/deliveries', {
      json: { id, targets: ['inventory'], payload: {} },
    });
    const read = await system.http('GET', `/v1/deliveries/${id}`);

    expect([started.status, read.status]).toEqual([202, 200]);
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.map((line) => [line.delivery_id, line.res])).toEqual([
      [id, { statusCode: 202 }],
      [id, { statusCode: 200 }],
    ]);
    expect(lines.filter((line) => line.msg === 'incoming request').map((l) => l.req)).toEqual([
      { method: 'POST', url: '/v1/deliveries' },
      { method: 'GET', url: `/v1/deliveries/${id}` },
    ]);
    expect(JSON.stringify(lines)).not.toContain(API_KEY);
  });
});
