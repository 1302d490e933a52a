import { getHeapStatistics } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/gateway/schemas';
import { MAX_BODY_DEPTH, MAX_ISSUES_LISTED, MAX_JSON_DEPTH } from '../../src/contract/limits';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';
import { openBrackets, wideAndDeep } from '../support/hostile-json';

const MB = 1024 * 1024;

/**
 * Runs `work` while sampling the heap every millisecond, and returns its result with how far
 * the heap grew above where it was when `work` began. A check that blocks the event loop is
 * sampled right after it, when its garbage is still on the heap.
 */
async function heapGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const base = getHeapStatistics().used_heap_size;
  let peak = base;
  const sample = setInterval(() => {
    peak = Math.max(peak, getHeapStatistics().used_heap_size);
  }, 1);
  try {
    const result = await work();
    peak = Math.max(peak, getHeapStatistics().used_heap_size);
    return { result, growth: peak - base };
  } finally {
    clearInterval(sample);
  }
}

describe('the gateway under hostile bodies', () => {
  let system: GatewaySystem;
  beforeAll(async () => {
    system = await startGatewaySystem({ workers: false });
  });
  afterAll(async () => {
    await system.stop();
  });

  /** The gateway answers /healthz and starts a valid delivery, as if nothing had happened. */
  async function expectStillServing(): Promise<void> {
    const id = system.newId('after');
    const [health, valid] = await Promise.all([
      system.http('GET', '/healthz', { key: null }),
      system.http('POST', '/v1/deliveries', {
        json: { id, targets: ['inventory'], payload: { sku: 'A-1' } },
      }),
    ]);
    expect(health.status).toBe(200);
    expect(valid.status).toBe(202);
  }

  it('answers a 1 MiB body of wide objects nested near the depth limit with 413, on a bounded heap', async () => {
    const id = system.newId('wide');
    const head = `{"id":"${id}","targets":["inventory"],"payload":`;
    const raw = head + wideAndDeep(MAX_JSON_DEPTH - 1, MB - head.length - 1024) + '}';
    expect(raw.length).toBeGreaterThan(MB - 2048);
    expect(raw.length).toBeLessThan(MB);

    const { result: answer, growth } = await heapGrowth(() =>
      system.http<Problem>('POST', '/v1/deliveries', { raw }),
    );

    expect(answer.status).toBe(413);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]?.path).toBe('payload');
    expect(answer.body.errors?.[0]?.detail).toMatch(/over limits\.payload/);
    expect(growth).toBeLessThan(100 * MB);
    await system.expectNoRun(id);
    await expectStillServing();
  });

  it('refuses a body of a million [ before parsing it, naming the depth', async () => {
    const { result: answer, growth } = await heapGrowth(() =>
      system.http<Problem>('POST', '/v1/deliveries', { raw: openBrackets(1_000_000) }),
    );

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]).toMatchObject({ in: 'body', path: '', pointer: '#' });
    expect(answer.body.errors?.[0]?.detail).toContain(
      `nests deeper than ${MAX_BODY_DEPTH} levels at offset ${MAX_BODY_DEPTH}`,
    );
    expect(growth).toBeLessThan(100 * MB);
    await expectStillServing();
  });

  it('refuses a payload nested past the limit inside a valid request, naming the depth', async () => {
    const id = system.newId('deep');
    const depth = 400_000;
    const raw = `{"id":"${id}","targets":["inventory"],"payload":${'['.repeat(depth)}${']'.repeat(depth)}}`;

    const answer = await system.http<Problem>('POST', '/v1/deliveries', { raw });

    expect(answer.status).toBe(400);
    expect(answer.body.detail).toMatch(
      new RegExp(
        `nests deeper than ${MAX_BODY_DEPTH} levels at offset \\d+ \\(a payload may nest at most ${MAX_JSON_DEPTH} levels`,
      ),
    );
    await system.expectNoRun(id);
    await expectStillServing();
  });

  it('lists the first unknown keys of a body of 100,000 and counts the rest', async () => {
    const id = system.newId('keys');
    const unknown = Array.from({ length: 100_000 }, (_, i) => `"_${i.toString(36)}":0`).join(',');
    const raw = `{"id":"${id}","targets":["inventory"],"payload":{},${unknown}}`;

    const answer = await system.http<Problem & { errorsOmitted?: number }>(
      'POST',
      '/v1/deliveries',
      { raw },
    );

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(MAX_ISSUES_LISTED);
    expect(answer.body.errors?.[0]).toEqual({
      in: 'body',
      path: '_0',
      pointer: '#/_0',
      detail: 'is not a known field',
    });
    expect(answer.body.errorsOmitted).toBe(100_000 - MAX_ISSUES_LISTED);
    expect(answer.body.detail).toMatch(
      new RegExp(`^100000 problems: _0: .*; …and ${100_000 - MAX_ISSUES_LISTED} more$`),
    );
    expect(JSON.stringify(answer.body).length).toBeLessThan(8 * 1024);
    await system.expectNoRun(id);
    await expectStillServing();
  });
});
