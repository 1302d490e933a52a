import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link HttpTarget} received. */
export interface TargetRequest {
  method: string;
  /** The path and query exactly as sent (percent-encoding kept). */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A scripted HTTP target on 127.0.0.1, for tests that need answers the demo APIs do not give. */
export interface HttpTarget {
  url: string;
  port: number;
  received: TargetRequest[];
  close(): Promise<void>;
}

/** Starts a target whose `answer` decides each response from the request. */
export async function startHttpTarget(
  answer: (request: TargetRequest, res: ServerResponse) => void,
): Promise<HttpTarget> {
  const received: TargetRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: TargetRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Sends a JSON answer whose text is given as is (so numbers keep every digit). */
export function answerJson(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(text);
}
