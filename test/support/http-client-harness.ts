import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import {
  HttpClient,
  HttpNetworkError,
  HttpRequestError,
  type HttpRequest,
} from '../../src/http/client';

/** A local HTTP server and clients for the HttpClient tests, closed by {@link closeAll}. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface TestServer {
  url: string;
  received: Received[];
  /** Resolves with each request once its body has arrived, before the handler runs. */
  nextRequest(): Promise<Received>;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const clients: HttpClient[] = [];

/** Closes every client and server the test made; a file calls it in its `afterEach`. */
export async function closeAll(): Promise<void> {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
}

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, received: Received) => void,
): Promise<TestServer> {
  const received: Received[] = [];
  const waiting: ((request: Received) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      waiting.shift()?.(request);
      handler(req, res, request);
    });
  });
  const port = await listen(server);
  const testServer: TestServer = {
    url: `http://127.0.0.1:${port}`,
    received,
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(testServer);
  return testServer;
}

export function newClient(options?: ConstructorParameters<typeof HttpClient>[0]): HttpClient {
  const client = new HttpClient(options);
  clients.push(client);
  return client;
}

export function get(url: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', url, shownUrl: url, headers: {}, timeoutMs: 2_000, ...extra };
}

export async function requestError(promise: Promise<unknown>): Promise<HttpRequestError> {
  const error: unknown = await promise.then(
    () => new Error('expected the request to be refused'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HttpRequestError);
  return error as HttpRequestError;
}

export async function networkError(promise: Promise<unknown>): Promise<HttpNetworkError> {
  const error: unknown = await promise.then(
    () => new Error('expected the request to fail'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HttpNetworkError);
  return error as HttpNetworkError;
}
