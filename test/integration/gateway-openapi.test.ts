import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DELIVERY_ID_LENGTH, MAX_TARGETS_PER_DELIVERY } from '../../src/contract/limits';
import type { OpenApiDocument } from '../../src/gateway/openapi';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';

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

  /** Every string schema the server checks: request bodies' properties and path or query parameters. */
  function checkedStrings(): { where: string; schema: Schema }[] {
    const found: { where: string; schema: Schema }[] = [];
    const walk = (schema: unknown, where: string): void => {
      if (schema === null || typeof schema !== 'object') return;
      const node = schema as Schema;
      if (node.type === 'string') found.push({ where, schema: node });
      for (const [key, child] of Object.entries(node)) walk(child, `${where}/${key}`);
    };
    const { schemas } = document.components as { schemas: Record<string, Schema> };
    for (const [name, schema] of Object.entries(schemas)) {
      if (name.endsWith('Request')) walk(schema, name);
    }
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const parameters = (operation.parameters ?? []) as { name: string; schema: Schema }[];
        for (const { name, schema } of parameters) walk(schema, `${method} ${path} ${name}`);
      }
    }
    return found;
  }

  it('states a pattern and a bounded length for every string the server checks', () => {
    const strings = checkedStrings();
    // A pattern bounds the length when it is anchored at both ends and repeats nothing unboundedly.
    const bounded = (pattern: string) =>
      pattern.startsWith('^') && pattern.endsWith('$') && !/[*+]|\{\d+,\}/.test(pattern);

    expect(strings.length).toBeGreaterThan(15);
    for (const { where, schema } of strings) {
      if (schema.enum !== undefined) continue;
      expect(schema.pattern, where).toEqual(expect.any(String));
      const pattern = schema.pattern as string;
      expect(schema.maxLength !== undefined || bounded(pattern), `${where}: ${pattern}`).toBe(true);
    }
    const extend = strings.find((s) => s.where === 'ExtendRequest/properties/duration')!;
    const duration = new RegExp(extend.schema.pattern as string);
    expect(['1ms', '30m', '168h', '7d', '604800s'].filter((d) => duration.test(d))).toHaveLength(5);
    expect(['0s', '8d', '169h', '604801s', '1.5h', '30'].filter((d) => duration.test(d))).toEqual(
      [],
    );
  });

  it('takes every body built from the patterns it states: no 400 for a request the document allows', async () => {
    const { schemas } = document.components as { schemas: Record<string, Schema> };
    const string = (schema: Schema) =>
      fc
        .stringMatching(new RegExp(schema.pattern as string))
        .filter(
          (text) =>
            text.length >= ((schema.minLength as number | undefined) ?? 0) &&
            text.length <= ((schema.maxLength as number | undefined) ?? Infinity),
        );
    const missing = system.newId('missing');
    for (const [path, methods] of Object.entries(document.paths)) {
      const operation = methods.post as
        { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } } | undefined;
      const ref = operation?.requestBody?.content['application/json']?.schema.$ref;
      if (ref === undefined || !path.includes('{id}')) continue;
      const body = schemas[ref.split('/').pop()!]!;
      const fields = Object.fromEntries(
        Object.entries(body.properties ?? {}).map(([name, field]) => [name, string(field)]),
      );
      await fc.assert(
        fc.asyncProperty(fc.record(fields), async (json) => {
          const answer = await system.http('POST', path.replace('{id}', missing), { json });
          expect(answer.status, `${path} ${JSON.stringify(json)}`).toBe(404);
        }),
        { numRuns: 15 },
      );
    }
    const ids = fc.array(string(request.properties!.id!), { minLength: 20, maxLength: 20 });
    for (const id of fc.sample(ids, 1)[0]!) {
      const answer = await system.http('GET', `/v1/deliveries/${encodeURIComponent(id)}`);
      expect(answer.status, id).toBe(404);
    }
  });
});
