import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TARGETS_PER_DELIVERY } from '../../src/contract/limits';
import type { Problem } from '../../src/gateway/schemas';
import { API_KEY, startGatewaySystem, type GatewaySystem } from '../support/gateway';

const OTHER_KEY = 'other-key-0123456789abcdef';

/** Sends a raw request line and headers, as a client the fetch API would not be; resolves the answer. */
function rawHttp(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the gateway under requests that cost a lot', () => {
  let system: GatewaySystem;
  beforeAll(async () => {
    system = await startGatewaySystem({
      workers: false,
      apiKeys: [API_KEY, OTHER_KEY],
      gateway: { rateLimit: { requests: 5, per: 60_000 } },
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  it('refuses a body naming 100,000 targets at once with a small answer, while /healthz stays responsive', async () => {
    const id = system.newId('wide');
    const targets = Array.from({ length: 100_000 }, (_, i) => `t${i}`);
    const body = JSON.stringify({ id, targets, payload: {} });
    expect(body.length).toBeLessThan(1024 * 1024);

    const before = performance.now();
    const [answer, health] = await Promise.all([
      system.http<Problem>('POST', '/v1/deliveries', { raw: body, key: OTHER_KEY }),
      (async () => {
        const start = performance.now();
        const reply = await system.http('GET', '/healthz', { key: null });
        return { status: reply.status, ms: performance.now() - start };
      })(),
    ]);
    const tookMs = performance.now() - before;

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        path: 'targets',
        detail: `must name at most ${MAX_TARGETS_PER_DELIVERY} targets`,
      }),
    ]);
    expect(JSON.stringify(answer.body).length).toBeLessThan(2048);
    expect(tookMs).toBeLessThan(3000);
    expect(health).toMatchObject({ status: 200 });
    expect(health.ms).toBeLessThan(3000);
    await system.expectNoRun(id);
  });

  it('refuses 1e999 in a payload, naming the field, instead of delivering null', async () => {
    const id = system.newId('overflow');

    const answer = await system.http<Problem>('POST', '/v1/deliveries', {
      raw: `{"id":"${id}","targets":["inventory"],"payload":{"total":1e999}}`,
      key: OTHER_KEY,
    });

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ path: 'payload.total', pointer: '#/payload/total' }),
    ]);
    await system.expectNoRun(id);
  });

  it('answers 429 with Retry-After once a key has used its share, and only that key', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await system.http('GET', '/v1/deliveries?limit=1'));
    const other = await system.http('GET', '/v1/deliveries?limit=1', { key: OTHER_KEY });
    const health = await system.http('GET', '/healthz', { key: null });

    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const limited = answers[5]!;
    expect(limited.status).toBe(429);
    expect(limited.contentType).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ type: 'urn:tandem:problem:too-many-requests' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(other.status).toBe(200);
    expect(health.status).toBe(200);
  });

  it('answers every refusal of the URL itself as problem+json: 414, a bad escape, 431, 405 with Allow', async () => {
    const long = await rawHttp(system.url, `/v1/deliveries/${'a'.repeat(5000)}`);
    const badEscape = await rawHttp(system.url, '/v1/deliveries/%E0%A4%A');
    const huge = await rawHttp(system.url, '/healthz', { 'x-filler': 'x'.repeat(20_000) });
    const method = await system.http('PUT', '/v1/deliveries', { key: OTHER_KEY });

    expect([long.status, badEscape.status, huge.status, method.status]).toEqual([
      414, 400, 431, 405,
    ]);
    for (const answer of [long, badEscape, huge]) {
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer.body)).toMatchObject({ status: answer.status });
    }
    expect(method.contentType).toMatch(/^application\/problem\+json/);
    expect(method.headers.get('allow')).toBe('POST, GET');
  });

  it('refuses a delivery id longer than the limit with 400 naming the id, not a routing 404', async () => {
    const answer = await system.http<Problem>('GET', `/v1/deliveries/${'a'.repeat(201)}`, {
      key: OTHER_KEY,
    });

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ in: 'path', path: 'id' })]);
  });
});
