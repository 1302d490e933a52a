import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';
import { expectProblem } from '../support/problems';

const both = ['inventory', 'shipping'];

describe('the HTTP gateway', () => {
  // One system for the file: every request here is refused, so no test leaves a run, a fault or
  // a request behind for the next, and each names a delivery id of its own.
  let system: GatewaySystem;
  beforeAll(async () => {
    system = await startGatewaySystem({
      gateway: { bodyLimit: 5 * 1024 },
      limits: { payload: 1000 },
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  describe('refuses, starting nothing and sending nothing,', () => {
    const cases: {
      name: string;
      status: number;
      kind: string;
      request: (id: string) => Parameters<GatewaySystem['http']>[2];
      fields: string[];
    }[] = [
      {
        name: 'malformed JSON',
        status: 400,
        kind: 'invalid-request',
        request: (id) => ({ raw: `{"id": "${id}", "targets": [` }),
        fields: [''],
      },
      {
        name: 'wrong types, naming every bad field',
        status: 400,
        kind: 'invalid-request',
        request: (id) => ({ json: { id, targets: ['inventory', 7], payload: undefined, ttl: 1 } }),
        fields: ['targets.1', 'payload', 'ttl'],
      },
      {
        name: 'a malformed id and a repeated target',
        status: 400,
        kind: 'invalid-request',
        request: (id) => ({
          json: { id: ` ${id}`, targets: ['shipping', 'shipping'], payload: 1 },
        }),
        fields: ['id', 'targets.1'],
      },
      {
        name: 'an unknown target',
        status: 422,
        kind: 'unknown-target',
        request: (id) => ({ json: { id, targets: ['inventory', 'ledger'], payload: {} } }),
        fields: ['targets.1'],
      },
      {
        name: 'a body over gateway.bodyLimit',
        status: 413,
        kind: 'payload-too-large',
        request: (id) => ({ json: { id, targets: both, payload: 'x'.repeat(6 * 1024) } }),
        fields: [''],
      },
      {
        name: 'a payload over limits.payload',
        status: 413,
        kind: 'payload-too-large',
        request: (id) => ({ json: { id, targets: both, payload: 'x'.repeat(1024) } }),
        fields: ['payload'],
      },
      {
        name: 'a body that is not JSON',
        status: 415,
        kind: 'unsupported-media-type',
        request: (id) => ({ raw: `id=${id}`, contentType: 'application/x-www-form-urlencoded' }),
        fields: ['Content-Type'],
      },
      {
        name: 'a missing API key',
        status: 401,
        kind: 'unauthorized',
        request: (id) => ({ json: { id, targets: both, payload: {} }, key: null }),
        fields: ['Authorization'],
      },
      {
        name: 'a wrong API key',
        status: 401,
        kind: 'unauthorized',
        request: (id) => ({
          json: { id, targets: both, payload: {} },
          key: 'not-the-key-0123456789',
        }),
        fields: ['Authorization'],
      },
    ];

    it.each(cases)('$name with $status', async ({ status, kind, request, fields }) => {
      const id = system.newId('refused');

      const answer = await system.http('POST', '/v1/deliveries', request(id));

      const problem = expectProblem(answer, status, kind);
      expect(problem.errors?.map((e) => e.path)).toEqual(fields);
      if (status === 401) expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      await system.expectNoRun(id);
      expect(system.targets.received()).toEqual([]);
    });

    it('an unknown delivery with 404, on every route that names one', async () => {
      const id = system.newId('missing');

      for (const [method, path, json] of [
        ['GET', '', undefined],
        ['POST', '/cancel', undefined],
        ['POST', '/retry', {}],
        ['POST', '/resolve', { note: 'done by hand' }],
      ] as const) {
        const answer = await system.http(method, `/v1/deliveries/${id}${path}`, { json });
        const problem = expectProblem(answer, 404, 'delivery-not-found');
        expect(problem.errors).toEqual([expect.objectContaining({ in: 'path', path: 'id' })]);
      }
      await system.expectNoRun(id);
      // The longest id there can be is still looked up, not refused by the router.
      expectProblem(
        await system.http('GET', `/v1/deliveries/${'a'.repeat(200)}`),
        404,
        'delivery-not-found',
      );
      expectProblem(await system.http('GET', '/v1/nothing-here'), 404, 'route-not-found');
      const wrongMethod = await system.http('DELETE', `/v1/deliveries/${id}`);
      expectProblem(wrongMethod, 405, 'method-not-allowed');
      expect(wrongMethod.headers.get('allow')).toBe('GET');
    });

    it('bad query parameters with 400, naming each', async () => {
      const answer = await system.http('GET', '/v1/deliveries?status=lost&limit=0&colour=red');

      const problem = expectProblem(answer, 400, 'invalid-request');
      expect(problem.errors?.map((e) => [e.in, e.path])).toEqual([
        ['query', 'status'],
        ['query', 'limit'],
        ['query', 'colour'],
      ]);
    });
  });
});
