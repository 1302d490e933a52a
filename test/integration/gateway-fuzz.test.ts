import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/contract/limits';
import type { Problem } from '../../src/gateway/schemas';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';

/** How a generated request is sent. */
interface BadRequest {
  /** What the mutation did, for the report of a failing case. */
  mutation: string;
  /** The delivery id it carries, when it carries a well-formed one. */
  id?: string;
  raw?: string;
  json?: unknown;
  contentType?: string;
  /** Statuses this refusal may get. */
  expect: readonly number[];
}

const TARGETS = ['inventory', 'shipping'];

/** A request the gateway would accept; every mutation below breaks it. */
const validRequest = fc.record({
  id: fc.uuid().map((uuid) => `fuzz-${uuid}`),
  targets: fc.subarray(TARGETS, { minLength: 1 }),
  payload: fc.jsonValue({ maxDepth: 4 }),
});

const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);

const badIds = fc.oneof(
  fc.constant(''),
  fc.string({ minLength: 1, maxLength: 10 }).map((s) => `-${s}`),
  fc.string({ minLength: 1, maxLength: 10 }).map((s) => ` ${s}`),
  fc.constantFrom('order/1', 'order 1', 'order?1', 'ordér-1', 'order#1', '..', 'a\nb'),
  fc.constant('a'.repeat(201)),
);

/** A payload nested `depth` deep, as JSON text: building it as a value would overflow a stack. */
function nested(depth: number): string {
  return '[{"a":'.repeat(depth / 2) + '1' + '}]'.repeat(depth / 2);
}

const badRequests: fc.Arbitrary<BadRequest> = validRequest.chain((valid) =>
  fc.oneof(
    fc.constantFrom('id', 'targets', 'payload').map((key) => {
      const json: Record<string, unknown> = { ...valid };
      delete json[key];
      return { mutation: `without ${key}`, json, expect: [400] };
    }),
    notAString.map((id) => ({
      mutation: 'id not a string',
      json: { ...valid, id },
      expect: [400],
    })),
    badIds.map((id) => ({ mutation: 'malformed id', json: { ...valid, id }, expect: [400] })),
    fc
      .oneof(
        notAString.filter((t) => !Array.isArray(t)),
        fc.constant([]),
        fc.array(notAString, { minLength: 1, maxLength: 3 }),
      )
      .map((targets) => ({
        mutation: 'bad targets',
        id: valid.id,
        json: { ...valid, targets },
        expect: [400],
      })),
    fc.constant({
      mutation: 'repeated target',
      id: valid.id,
      json: { ...valid, targets: [...valid.targets, valid.targets[0]] },
      expect: [400],
    }),
    fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((name) => !TARGETS.includes(name))
      .map((name) => ({
        mutation: 'unknown target',
        id: valid.id,
        json: { ...valid, targets: [...valid.targets, name] },
        expect: [422],
      })),
    fc.integer({ min: MAX_JSON_DEPTH / 2 + 1, max: 10_000 }).map((half) => ({
      mutation: `payload nested ${half * 2} deep`,
      id: valid.id,
      raw: JSON.stringify({ ...valid, payload: null }).replace(
        '"payload":null',
        `"payload":${nested(half * 2)}`,
      ),
      expect: [400],
    })),
    fc
      .oneof(
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.constantFrom('__proto__', 'constructor', 'Id', 'target', 'idempotencyKey'),
      )
      .filter((key) => !['id', 'targets', 'payload'].includes(key))
      .map((key) => ({
        mutation: `unknown field ${key}`,
        id: valid.id,
        json: { ...valid, [key]: true },
        expect: [400],
      })),
    fc
      .oneof(
        fc.jsonValue().filter((v) => v === null || typeof v !== 'object'),
        fc.array(fc.jsonValue(), { maxLength: 3 }),
      )
      .map((json) => ({ mutation: 'not an object', json, expect: [400] })),
    fc
      .string({ maxLength: 40 })
      .map((tail) => JSON.stringify(valid).slice(0, -1 - (tail.length % 5)) + tail)
      .filter((raw) => {
        try {
          JSON.parse(raw);
          return false;
        } catch {
          return true;
        }
      })
      .map((raw) => ({ mutation: 'malformed JSON', id: valid.id, raw, expect: [400] })),
    fc
      .constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x')
      .map((contentType) => ({
        mutation: `sent as ${contentType}`,
        id: valid.id,
        raw: JSON.stringify(valid),
        contentType,
        expect: [415],
      })),
  ),
);

describe('POST /v1/deliveries under generated bad bodies', () => {
  let system: GatewaySystem;
  beforeAll(async () => {
    system = await startGatewaySystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('refuses every one with a problem naming a field, never a 5xx, and starts nothing', async () => {
    const refusedIds = new Set<string>();
    await fc.assert(
      fc.asyncProperty(badRequests, async (bad) => {
        const answer = await system.http<Problem>('POST', '/v1/deliveries', {
          ...(bad.raw !== undefined ? { raw: bad.raw } : { json: bad.json }),
          ...(bad.contentType !== undefined && { contentType: bad.contentType }),
        });
        expect(bad.expect, `${bad.mutation}: ${JSON.stringify(answer.body)}`).toContain(
          answer.status,
        );
        expect(answer.contentType).toMatch(/^application\/problem\+json/);
        expect(answer.body.status).toBe(answer.status);
        expect(answer.body.errors?.length).toBeGreaterThan(0);
        if (bad.id !== undefined) refusedIds.add(bad.id);
      }),
      { numRuns: 200 },
    );

    expect(refusedIds.size).toBeGreaterThan(0);
    for (const id of refusedIds) await system.expectNoRun(id);
    expect(system.targets.received()).toEqual([]);
  });
});
