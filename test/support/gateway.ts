import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { expect } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import type { GatewayConfig, LimitsConfig } from '../../src/contract/config/schema';
import { gatewaySettings } from '../../src/contract/config/schema';
import type { DeliveryState } from '../../src/contract/contracts';
import { DeliveryNotFoundError } from '../../src/contract/errors';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway/server';
import { createLogger } from '../../src/telemetry/log';
import { startSystem, type System } from './system';
import { until } from './wait';

/** The key the tests' gateways accept. */
export const API_KEY = 'test-key-0123456789abcdef';

/** One answer of the test's gateway, its body parsed when it is JSON. */
export interface GatewayReply<T = unknown> {
  status: number;
  headers: Headers;
  contentType: string;
  body: T;
}

/** What {@link GatewaySystem.http} sends. */
export interface HttpRequest {
  /** Sent as JSON, unless `raw` is given. */
  json?: unknown;
  /** Sent as is, with `contentType`. */
  raw?: string;
  contentType?: string;
  /** The API key to send; `null` sends none. Default {@link API_KEY}. */
  key?: string | null;
  headers?: Record<string, string>;
}

/** A test's system (demo targets, workers) with a real gateway in front of it. */
export interface GatewaySystem extends System {
  gateway: Gateway;
  /** The gateway's base URL, `http://127.0.0.1:<port>`. */
  url: string;
  http<T = Record<string, unknown>>(
    method: string,
    path: string,
    request?: HttpRequest,
  ): Promise<GatewayReply<T>>;
  /** Polls `GET /v1/deliveries/{id}` until `ready` holds. */
  until(
    id: string,
    ready: (state: DeliveryState) => boolean,
    timeoutMs?: number,
  ): Promise<DeliveryState>;
  /** Asserts that Temporal has no run for the delivery `id`. */
  expectNoRun(id: string): Promise<void>;
}

/**
 * Starts {@link startSystem}'s demo targets and workers, and a gateway over the same config,
 * listening on 127.0.0.1 on a free port.
 */
export async function startGatewaySystem(
  options: {
    gateway?: Partial<GatewayConfig>;
    limits?: Partial<LimitsConfig>;
    apiKeys?: GatewayOptions['apiKeys'];
    deadlines?: GatewayOptions['deadlines'];
    tune?: Parameters<typeof startSystem>[0];
    /** The gateway's logger; default: server errors only, on stderr. */
    logger?: Logger;
    /** Whether to start workers; default true. */
    workers?: boolean;
    /** More of the workers' environment (`${VAR}` secrets of the tuned config). */
    env?: Readonly<Record<string, string>>;
  } = {},
): Promise<GatewaySystem> {
  const system = await startSystem(options.tune, {
    workers: options.workers ?? true,
    ...(options.env && { env: options.env }),
  });
  const config = {
    ...system.config,
    gateway: { ...gatewaySettings(system.config), ...options.gateway },
    limits: { ...system.config.limits, ...options.limits },
  };
  const gateway = await createGateway({
    config,
    connection: system.connection,
    apiKeys: options.apiKeys ?? [API_KEY],
    ...(options.deadlines && { deadlines: options.deadlines }),
    // Only what the gateway logs as a server error: a 500 in a test then shows its cause.
    logger:
      options.logger ?? createLogger({ env: { TANDEM_LOG_LEVEL: 'error' }, destination: 'stderr' }),
  });
  const url = await gateway.listen({ host: '127.0.0.1', port: 0 });

  const http: GatewaySystem['http'] = async (method, path, request = {}) => {
    const key = request.key === undefined ? API_KEY : request.key;
    const headers: Record<string, string> = { ...request.headers };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (request.raw !== undefined) body = request.raw;
    else if (request.json !== undefined) body = JSON.stringify(request.json);
    if (body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
    const response = await fetch(url + path, { method, headers, body });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      headers: response.headers,
      contentType,
      body: (contentType.includes('json') && text !== '' ? JSON.parse(text) : text) as never,
    };
  };

  return {
    ...system,
    gateway,
    url,
    http,
    async until(id, ready, timeoutMs = 30_000) {
      const reply = await until(
        () => http<DeliveryState>('GET', `/v1/deliveries/${id}`),
        ({ status, body }) => status === 200 && ready(body),
        {
          timeoutMs,
          message: ({ status, body }) =>
            `Delivery "${id}" never got ready: ${status} ${JSON.stringify(body)}`,
        },
      );
      return reply.body;
    },
    async expectNoRun(id) {
      await expect(system.client.status(id)).rejects.toThrow(DeliveryNotFoundError);
    },
    async stop() {
      await gateway.close();
      await system.stop();
    },
  };
}

/**
 * Runs `use` against a gateway whose Temporal does not answer (127.0.0.1:1, half-second
 * deadlines), accepting `apiKeys`, listening on 127.0.0.1; closes it after.
 */
export async function withUnreachableGateway(
  apiKeys: string[],
  use: (url: string) => Promise<void>,
): Promise<void> {
  const config = parseConfig(
    {
      temporal: { address: '127.0.0.1:1' },
      targets: { inventory: { request: { url: 'http://127.0.0.1:1/x' } } },
    },
    'unreachable config',
  );
  const connection = Connection.lazy({ address: config.temporal.address });
  const gateway = await createGateway({
    config,
    connection,
    apiKeys,
    deadlines: { start: 500, health: 500, read: 500, action: 500, visibility: 500 },
  });
  try {
    await use(await gateway.listen({ host: '127.0.0.1', port: 0 }));
  } finally {
    await gateway.close();
    await connection.close();
  }
}
