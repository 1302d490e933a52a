import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DELIVERY_ID_LENGTH, MAX_TARGETS_PER_DELIVERY } from '../src/limits';
import type { OpenApiDocument } from '../src/gateway/openapi';
import { startGatewaySystem, type GatewaySystem } from './support/gateway';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema> };

describe('the OpenAPI document against the server', () => {
  let system: GatewaySystem;
  let document: OpenApiDocument;
  let request: Schema;
  beforeAll(async () => {
    system = await startGatewaySystem({ workers: false });
    document = (await system.http<OpenApiDocument>('GET', '/openapi.json', { key: null })).body;
    request = (document.components as { schemas: Record<string, Schema> }).schemas.DeliveryRequest!;
  });
  afterAll(async () => {
    await system.stop();
  });

  it('states every constraint the server enforces on a delivery request and a list', () => {
    const { id, targets, payload } = request.properties!;
    expect(id).toMatchObject({
      type: 'string',
      maxLength: MAX_DELIVERY_ID_LENGTH,
      pattern: expect.any(String) as unknown,
    });
    expect(targets).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: MAX_TARGETS_PER_DELIVERY,
      uniqueItems: true,
      items: { type: 'string', enum: Object.keys(system.config.targets) },
    });
    expect(payload?.description).toContain(`${system.config.limits.payload} bytes`);

    const list = document.paths['/v1/deliveries']!.get! as {
      parameters: { name: string; schema: Schema }[];
    };
    const token = list.parameters.find((p) => p.name === 'pageToken')!;
    expect(token.schema).toMatchObject({ pattern: expect.any(String) as unknown });
    expect(token.schema.maxLength).toEqual(expect.any(Number));
    const start = document.paths['/v1/deliveries']!.post! as {
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    for (const status of ['400', '401', '409', '413', '414', '415', '422', '429', '503']) {
      expect(start.responses[status], status).toBeDefined();
    }
    expect(start.responses['429']?.headers).toHaveProperty('Retry-After');
    expect(start.responses['503']?.headers).toHaveProperty('Retry-After');
  });

  it('is never looser than the server: a body the document allows is started, one the server refuses the document refuses too', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const allows = ajv.compile(request);
    const known = Object.keys(system.config.targets);
    const bodies = fc.record(
      {
        id: fc.oneof(
          fc.uuid().map((u) => `doc-${u}`),
          fc.string({ maxLength: 8 }).map((s) => ` ${s}`),
          fc.constant(`doc-${'a'.repeat(MAX_DELIVERY_ID_LENGTH)}`),
        ),
        targets: fc.oneof(
          fc.subarray(known, { minLength: 1 }),
          fc.array(fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 6 })), {
            maxLength: 4,
          }),
        ),
        payload: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: [] },
    );
    const started: string[] = [];

    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const answer = await system.http('POST', '/v1/deliveries', { json: body });
        const documented = allows(body);
        if (documented) {
          expect(answer.status, JSON.stringify(answer.body)).toBe(202);
          started.push(body.id!);
        } else {
          expect([400, 422], JSON.stringify(body)).toContain(answer.status);
        }
      }),
      { numRuns: 80 },
    );

    expect(started.length).toBeGreaterThan(0);
    for (const id of started) await system.client.cancel(id);
  });
});
