import { z } from 'zod';
import type { Route } from './route';

/** The OpenAPI 3.1 document served at `/openapi.json`. */
export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
};

type JsonSchema = Record<string, unknown>;

const COMPONENT = '#/components/schemas/';

/**
 * Named schemas become components, referenced where used. Requests are described as they are
 * sent (`io: input`: a field with a default is optional), answers as they are sent back.
 */
export interface SchemaNames {
  requests: Record<string, z.ZodType>;
  responses: Record<string, z.ZodType>;
}

function components(named: Record<string, z.ZodType>, io: 'input' | 'output') {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    uri: (id) => COMPONENT + id,
  }) as { schemas: Record<string, JsonSchema> };
  // Components are parts of one document: their own `$schema`/`$id` would make each a document.
  return {
    registry,
    schemas: Object.fromEntries(
      Object.entries(schemas).map(([id, schema]) => [id, without(schema, '$schema', '$id')]),
    ),
  };
}

function inline(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return without(z.toJSONSchema(schema, { target: 'draft-2020-12', io }), '$schema');
}

function without(schema: JsonSchema, ...keys: string[]): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !keys.includes(key)));
}

/**
 * Builds the OpenAPI 3.1 document from the routes the gateway serves and the schemas that parse
 * their requests: never written by hand, so it says what the gateway enforces.
 */
export function openApiDocument(
  routes: readonly Route[],
  names: SchemaNames,
  info: { version: string; description: string },
): OpenApiDocument {
  const requests = components(names.requests, 'input');
  const responses = components(names.responses, 'output');
  const ref = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const id = (io === 'input' ? requests : responses).registry.get(schema)?.id;
    return id === undefined ? inline(schema, io) : { $ref: COMPONENT + id };
  };

  const parameters = (where: 'path' | 'query', schema: z.ZodType | undefined) => {
    if (schema === undefined) return [];
    const object = inline(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    return Object.entries(object.properties ?? {}).map(([name, property]) => {
      const { description, ...rest } = property;
      return {
        name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        ...(typeof description === 'string' && { description }),
        schema: rest,
      };
    });
  };

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description !== undefined && { description: route.description }),
      tags: [route.tag],
      security: route.scope ? [{ bearerAuth: [] }, { apiKeyHeader: [] }] : [],
      ...(route.scope && { 'x-tandem-scope': route.scope }),
    };
    const params = [...parameters('path', route.params), ...parameters('query', route.query)];
    if (params.length > 0) operation.parameters = params;
    if (route.body !== undefined) {
      operation.requestBody = {
        required: route.bodyRequired ?? false,
        content: { 'application/json': { schema: ref(route.body, 'input') } },
      };
    }
    operation.responses = Object.fromEntries(
      Object.entries(route.responses).map(([status, response]) => [
        status,
        {
          description: response.description,
          ...(response.headers && { headers: response.headers }),
          ...(response.schema && {
            content: {
              [response.contentType ?? 'application/json']: {
                schema: ref(response.schema, 'output'),
              },
            },
          }),
        },
      ]),
    );
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }

  return {
    openapi: '3.1.0',
    info: { title: 'Tandem gateway', ...info },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...requests.schemas, ...responses.schemas },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from TANDEM_API_KEYS or gateway.apiKeys.',
        },
        apiKeyHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'The same API key, for clients that cannot set Authorization.',
        },
      },
    },
  };
}
