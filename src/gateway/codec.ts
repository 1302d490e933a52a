import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PayloadDecryptError, type PayloadCipher } from '../codec/payload-codec';
import type { TandemConfig } from '../contract/config/schema';
import { ConfigError } from '../contract/errors';
import { z } from 'zod';
import type { RouteGuard } from './guards';
import { invalidRequest, ProblemError } from './problems';

type Env = Readonly<Record<string, string | undefined>>;

/** A payload as the codec protocol sends it: protobuf JSON, bytes as base64. */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** Shortest UI token accepted, as for API keys. */
const MIN_TOKEN_LENGTH = 16;

/** Where the codec routes hide the UI token in the logs. */
export function redactCodecPath(url: string): string {
  return url.replace(/^\/codec\/[^/?]+\/(encode|decode)/, '/codec/<token>/$1');
}

/** The UI token the config names, read from `env`; undefined without `codec.ui`. */
export function codecUiToken(config: TandemConfig, env: Env): string | undefined {
  const reference = config.codec?.ui?.token;
  if (reference === undefined) return undefined;
  const variable = ENV_REFERENCE.exec(reference)?.[1] ?? '';
  const token = env[variable];
  if (token === undefined || token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError('config', [
      `codec.ui.token: \${${variable}} must be set in this process's environment to ` +
        `${MIN_TOKEN_LENGTH}+ random characters (e.g. \`openssl rand -hex 24\`)`,
    ]);
  }
  return token;
}

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v ?? new Uint8Array()).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

const payloadsSchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string()).optional(),
      data: z.string().optional(),
    }),
  ),
});

function payloadsOf(body: unknown): JsonPayload[] {
  const parsed = payloadsSchema.safeParse(body);
  if (!parsed.success) {
    throw invalidRequest([
      {
        in: 'body',
        path: 'payloads',
        pointer: '#/payloads',
        detail: 'must be a list of { metadata: { name: base64 }, data: base64 }',
      },
    ]);
  }
  return parsed.data.payloads;
}

/** Options of {@link serveCodec}. */
export interface CodecRouteOptions {
  cipher: PayloadCipher;
  namespace: string;
  /** The secret path segment the Web UI's endpoint carries (`/codec/<token>`). */
  uiToken?: string;
  /** Origins allowed by CORS: the Web UI's. */
  origins: readonly string[];
}

/**
 * The codec server of the Temporal Web UI and of `temporal --codec-endpoint`, as routes of the
 * gateway: `POST /codec/<token>/decode|encode` for the UI (the dev server's
 * `--ui-codec-endpoint` can send no credentials, so its URL carries them; whoever can open the
 * UI can read its settings, and the UI is there to show decoded runs), and `POST
 * /codec/decode|encode` with an API key (`read` to decode, `operate` to encode: the UI encodes
 * what it sends to a run). Both credentials are checked by the gateway's guard before the body is
 * read. A request naming another namespace in `X-Namespace` is refused.
 */
export function serveCodec(app: FastifyInstance, options: CodecRouteOptions): void {
  const tokenDigest =
    options.uiToken === undefined
      ? undefined
      : createHash('sha256').update(options.uiToken).digest();
  const cors = (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin === undefined || !options.origins.includes(origin)) return;
    reply.headers({
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, x-namespace, authorization, x-api-key',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
  };
  // The token is checked by the gateway's guard, before the body is read, like an API key.
  const tokenGuard: RouteGuard = {
    authenticate: (request) => {
      const token = (request.params as { token?: string }).token ?? '';
      const presented = createHash('sha256').update(token).digest();
      return tokenDigest !== undefined && timingSafeEqual(presented, tokenDigest);
    },
  };
  const handle =
    (direction: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
      cors(request, reply);
      const namespace = request.headers['x-namespace'];
      if (namespace !== undefined && namespace !== options.namespace) {
        throw invalidRequest([
          {
            in: 'header',
            path: 'X-Namespace',
            detail: `names another namespace; this codec serves "${options.namespace}"`,
          },
        ]);
      }
      const payloads = payloadsOf(request.body).map(fromJson);
      try {
        const coded =
          direction === 'decode'
            ? await options.cipher.decode(payloads)
            : await options.cipher.encode(payloads);
        return { payloads: coded.map(toJson) };
      } catch (error) {
        // A run written with a retired key, or altered, is the caller's to fix: say which key.
        if (error instanceof PayloadDecryptError) {
          throw new ProblemError('undecryptable-payload', error.message);
        }
        throw error;
      }
    };
  const preflight = (request: FastifyRequest, reply: FastifyReply) => {
    cors(request, reply);
    return reply.code(204).send();
  };
  for (const direction of ['encode', 'decode'] as const) {
    const keyGuard: RouteGuard = { scope: direction === 'decode' ? 'read' : 'operate' };
    app.post(`/codec/${direction}`, { config: keyGuard }, handle(direction));
    app.post(`/codec/:token/${direction}`, { config: tokenGuard }, handle(direction));
    for (const url of [`/codec/${direction}`, `/codec/:token/${direction}`]) {
      app.options(url, preflight);
    }
  }
}
