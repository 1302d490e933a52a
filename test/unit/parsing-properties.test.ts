import fc from 'fast-check';
import { fastify } from 'fastify';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import type { DeliveryRequest } from '../../src/contract/contracts';
import { TandemError } from '../../src/contract/errors';
import { acceptJsonOnly } from '../../src/gateway/parsing';
import { ProblemError } from '../../src/gateway/problems';
import { scanNesting, walkJson } from '../../src/contract/json-shape';
import { MAX_BODY_DEPTH, MAX_JSON_DEPTH } from '../../src/contract/limits';
import { planDelivery } from '../../src/client/plan';
import { parseDeliveryRequest } from '../../src/contract/request';
import {
  renderJson,
  renderText,
  renderUrl,
  type TemplateContext,
} from '../../src/contract/template';
import { TemplateError } from '../../src/contract/errors';
import { wideAndDeep } from '../support/hostile-json';

const config = parseConfig({
  targets: {
    inventory: { request: { url: 'http://localhost:4001/reservations' } },
    shipping: { request: { url: 'http://localhost:4002/shipments' } },
  },
});

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
/** Strings a hostile client sends: lone surrogates, brackets, quotes and backslashes. */
const hostileString = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', '\\"', 'u', ':', ','),
    maxLength: 30,
  }),
  fc.integer({ min: 10_000, max: 100_000 }).map((length) => 'k'.repeat(length)),
);
/** JSON values with hostile strings (as keys too). */
const hostileJson = fc
  .jsonValue({ maxDepth: 5 })
  .chain((base) => fc.tuple(fc.constant(base), hostileString, hostileString))
  .map(([base, key, text]): unknown => ({ [key]: base, text }));

/** `value` inside `depth` more arrays and objects. */
function wrapped(value: unknown, depth: number, objects: boolean): unknown {
  let current = value;
  for (let i = 0; i < depth; i++) current = objects && i % 2 ? { a: current } : [current];
  return current;
}
const deepJson = fc
  .tuple(
    fc.jsonValue({ maxDepth: 3 }),
    fc.integer({ min: 0, max: 3 * MAX_JSON_DEPTH }),
    fc.boolean(),
  )
  .map(([value, depth, objects]) => wrapped(value, depth, objects));

/** How deep a value's arrays and objects nest, and how many values it holds (a reference). */
function measure(value: unknown): { depth: number; values: number } {
  if (value === null || typeof value !== 'object') return { depth: 0, values: 1 };
  const children = Object.values(value).map(measure);
  return {
    depth: 1 + Math.max(0, ...children.map((c) => c.depth)),
    values: 1 + children.reduce((sum, c) => sum + c.values, 0),
  };
}

const isTyped = (error: unknown) => error instanceof TandemError;

describe('the JSON nesting pre-scan', () => {
  it('refuses exactly the JSON texts nested deeper than the limit, whatever their strings hold', () => {
    fc.assert(
      fc.property(
        fc.oneof(deepJson, hostileJson),
        fc.integer({ min: 0, max: 3 }),
        (value, more) => {
          const text = JSON.stringify(value);
          const { depth } = measure(value);
          expect(scanNesting(text, depth + more)).toBeUndefined();
          if (depth > 0) expect(scanNesting(text, depth - 1)).toBeDefined();
        },
      ),
    );
  });

  it('never throws on any text, and stops at the first bracket past the limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: codeUnit, maxLength: 200 }), (text) => {
        const found = scanNesting(text, 3);
        if (found) expect('[{').toContain(text[found.offset]);
      }),
    );
    expect(scanNesting('['.repeat(10_000_000), MAX_BODY_DEPTH)).toEqual({
      offset: MAX_BODY_DEPTH,
    });
  });
});

describe('the payload walk', () => {
  it('visits each value once and finds nesting past the limit as the reference does', () => {
    fc.assert(
      fc.property(fc.oneof(deepJson, hostileJson), (value) => {
        const { depth, values } = measure(value);
        const within = walkJson(value, depth);
        expect(within.tooDeep).toBeUndefined();
        expect(within.visited).toBe(values);
        if (depth > 0) expect(walkJson(value, depth - 1).tooDeep).toBe(true);
      }),
    );
  });

  it('costs the same per value for a wide object near the depth limit as for a flat one, n or 8n values', () => {
    const perValue = (depth: number, bytes: number) => {
      const value = JSON.parse(wideAndDeep(depth, bytes)) as unknown;
      return walkJson(value, MAX_JSON_DEPTH).visited / measure(value).values;
    };
    for (const bytes of [16_000, 128_000]) {
      expect(perValue(1, bytes)).toBe(1);
      expect(perValue(MAX_JSON_DEPTH - 1, bytes)).toBe(1);
    }
  });
});

describe('the request parser', () => {
  const request = fc.record(
    {
      id: fc.oneof(
        fc.string({ unit: codeUnit, maxLength: 8 }),
        fc.constant('order-1'),
        fc.integer(),
      ),
      targets: fc.oneof(
        fc.subarray(['inventory', 'shipping', 'ledger', 'constructor']),
        fc.array(fc.oneof(hostileString, fc.integer()), { maxLength: 40 }),
      ),
      payload: fc.oneof(deepJson, hostileJson, fc.anything({ withBigInt: true })),
      extra: hostileJson,
    },
    { requiredKeys: [] },
  );

  it('answers any request with a value or issues, and planDelivery throws only Tandem errors', () => {
    fc.assert(
      fc.property(request, (value) => {
        const parsed = parseDeliveryRequest(config, value);
        if (!parsed.ok) expect(parsed.issues.length).toBeGreaterThan(0);
        try {
          planDelivery(config, value as DeliveryRequest);
        } catch (error) {
          expect(error, String(error)).toSatisfy(isTyped);
        }
      }),
    );
  });
});

describe("the gateway's JSON content parser", () => {
  const app = fastify();
  acceptJsonOnly(app);
  app.post('/echo', (request) => ({ parsed: request.body !== undefined }));
  app.setErrorHandler((error, _request, reply) => {
    const status = error instanceof ProblemError ? error.status : 500;
    return reply.code(status).send({ problem: error instanceof ProblemError });
  });

  const text = fc.oneof(
    fc.string({ unit: codeUnit, maxLength: 100 }),
    fc.oneof(deepJson, hostileJson).map((value) => JSON.stringify(value)),
    fc.integer({ min: 0, max: 3 * MAX_BODY_DEPTH }).map((depth) => '['.repeat(depth)),
  );

  it('answers any body with its value or a 400 problem, refusing depth before parsing', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (body) => {
        const answer = await app.inject({
          method: 'POST',
          url: '/echo',
          headers: { 'content-type': 'application/json' },
          payload: body,
        });
        expect([200, 400]).toContain(answer.statusCode);
        if (answer.statusCode === 400) expect(answer.json()).toEqual({ problem: true });
        if (scanNesting(body, MAX_BODY_DEPTH)) {
          expect(answer.statusCode).toBe(400);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('the template renderer', () => {
  const templates = [
    'http://x/r/{{payload.a}}',
    'http://x/r/{{payload.a}}{{payload.b}}/y?q={{payload.b}}#{{payload.a}}',
    'http://x/r/.{{payload.a}}',
  ];
  const value = fc.oneof(
    hostileString,
    fc.jsonValue({ maxDepth: 3 }),
    deepJson.filter((v) => measure(v).depth <= MAX_JSON_DEPTH),
  );

  it('renders any payload value or throws a TemplateError, never anything else', () => {
    fc.assert(
      fc.property(value, value, fc.constantFrom(...templates), (a, b, template) => {
        const context: TemplateContext = {
          delivery: { id: 'order-1' },
          idempotencyKey: 'order-1:inventory',
          payload: { a, b },
        };
        for (const render of [
          () => renderUrl(template, context),
          () => renderText(`Bearer {{payload.a}}-{{payload.b}}`, context),
          () => renderJson({ a: '{{payload.a}}', b: 'x {{payload.b}}' }, context),
        ]) {
          try {
            expect(typeof render()).toBe('string');
          } catch (error) {
            expect(error, String(error)).toBeInstanceOf(TemplateError);
          }
        }
      }),
    );
  });
});
