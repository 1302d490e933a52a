import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HttpClient,
  HttpNetworkError,
  HttpRequestError,
  type HttpRequest,
} from '../../src/http/client';
import { MAX_JSON_DEPTH } from '../../src/contract/limits';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  url: string;
  received: Received[];
  /** Resolves with each request once its body has arrived, before the handler runs. */
  nextRequest(): Promise<Received>;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const clients: HttpClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

async function startServer(
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

function newClient(options?: ConstructorParameters<typeof HttpClient>[0]): HttpClient {
  const client = new HttpClient(options);
  clients.push(client);
  return client;
}

function get(url: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', url, shownUrl: url, headers: {}, timeoutMs: 2_000, ...extra };
}

async function requestError(promise: Promise<unknown>): Promise<HttpRequestError> {
  const error: unknown = await promise.then(
    () => new Error('expected the request to be refused'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HttpRequestError);
  return error as HttpRequestError;
}

async function networkError(promise: Promise<unknown>): Promise<HttpNetworkError> {
  const error: unknown = await promise.then(
    () => new Error('expected the request to fail'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HttpNetworkError);
  return error as HttpNetworkError;
}

describe('HttpClient', () => {
  it('sends the given method, path with query, headers and body', async () => {
    const server = await startServer((_req, res) => res.end());
    const client = newClient();

    await client.send({
      method: 'PUT',
      url: `${server.url}/reservations/r-1?dry=1`,
      shownUrl: `${server.url}/reservations/r-1?dry=1`,
      headers: { 'content-type': 'application/json', 'idempotency-key': 'order-1:inventory' },
      body: '{"sku":"A-1"}',
      timeoutMs: 2_000,
    });

    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request!.method).toBe('PUT');
    expect(request!.path).toBe('/reservations/r-1?dry=1');
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': 'order-1:inventory',
    });
    expect(request!.body).toBe('{"sku":"A-1"}');
  });

  it('returns the status, the headers without credentials, and the JSON body parsed', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(201, {
        'Content-Type': 'application/json; charset=utf-8',
        Location: '/reservations/res_1',
        'Set-Cookie': ['session=secret', 'other=secret'],
        Authorization: 'Bearer secret',
        'Proxy-Authorization': 'Basic secret',
      });
      res.end(JSON.stringify({ id: 'res_1', quantity: 2 }));
    });
    const client = newClient();

    const answer = await client.send(get(`${server.url}/reservations`));

    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ id: 'res_1', quantity: 2 });
    expect(answer.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      location: '/reservations/res_1',
    });
    expect(Object.keys(answer.headers)).not.toContain('set-cookie');
    expect(Object.keys(answer.headers)).not.toContain('authorization');
    expect(Object.keys(answer.headers)).not.toContain('proxy-authorization');
    expect(JSON.stringify(answer.headers)).not.toContain('secret');
    expect(answer.truncated).toBeUndefined();
  });

  it('keeps a body that is not JSON as text, and an empty body as null', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/text') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('accepted');
      } else {
        res.writeHead(204).end();
      }
    });
    const client = newClient();

    expect((await client.send(get(`${server.url}/text`))).body).toBe('accepted');
    const empty = await client.send(get(`${server.url}/empty`));
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('keeps at most maxBodyBytes of the body as text and marks the answer truncated', async () => {
    const long = JSON.stringify({ data: 'x'.repeat(1_000) });
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(long);
    });
    const client = newClient({ maxBodyBytes: 16 });

    const answer = await client.send(get(server.url));

    expect(answer.status).toBe(200);
    expect(answer.truncated).toBe(true);
    expect(answer.body).toBe(long.slice(0, 16));
  });

  it('keeps a body of exactly maxBodyBytes whole', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":"12345678"}');
    });
    const client = newClient({ maxBodyBytes: '{"id":"12345678"}'.length });

    const answer = await client.send(get(server.url));

    expect(answer.truncated).toBeUndefined();
    expect(answer.body).toEqual({ id: '12345678' });
  });

  it('returns a redirect as it is, without following it', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/old') res.writeHead(302, { Location: '/new' }).end();
      else res.writeHead(200).end('followed');
    });
    const client = newClient();

    const answer = await client.send(get(`${server.url}/old`));

    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/new');
    expect(server.received.map((r) => r.path)).toEqual(['/old']);
  });

  it('fails with a timeout that may have been sent when the server never answers', async () => {
    const server = await startServer(() => undefined);
    const client = newClient();
    const arrived = server.nextRequest();
    const started = performance.now();

    const error = await networkError(
      client.send(get(`${server.url}/slow`, { method: 'POST', body: '{}', timeoutMs: 200 })),
    );
    const elapsed = performance.now() - started;

    await expect(arrived).resolves.toMatchObject({ path: '/slow' });
    expect(error.kind).toBe('timeout');
    expect(error.sent).toBe(true);
    expect(error.code).toBe('TANDEM_HTTP_NETWORK');
    expect(error.message).toContain(`POST ${server.url}/slow`);
    expect(error.message).toContain('200ms');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('fails as refused and not sent when nothing listens on the port', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = newClient();

    const error = await networkError(client.send(get(`http://127.0.0.1:${port}/x`)));

    expect(error.kind).toBe('refused');
    expect(error.sent).toBe(false);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.socketCode).toBe('ECONNREFUSED');
  });

  it('names the URL in its template form only, and carries no cause that quotes the resolved one', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = newClient();

    const error = await networkError(
      client.send(get(`http://127.0.0.1:${port}/x`, { shownUrl: 'http://${SECRET_HOST}/x' })),
    );

    expect(error.message).toBe('GET http://${SECRET_HOST}/x could not connect (ECONNREFUSED)');
    expect(error.cause).toBeUndefined();
    expect(String(error.stack)).not.toContain(String(port));
  });

  it('refuses, as not sent, a URL that is invalid once its secrets are filled in, naming only its template form', async () => {
    const client = newClient();

    const error = await requestError(
      client.send(get('http://bad host:x/s3cret-path', { shownUrl: 'http://${HOST}/${PATH}' })),
    );

    expect(error.code).toBe('TANDEM_HTTP_UNSENDABLE');
    expect(error.message).toBe(
      'GET http://${HOST}/${PATH} was not sent: it is not a valid URL once its secrets are filled in',
    );
    expect(`${error.message}${error.stack}`).not.toContain('s3cret');
    expect(error.cause).toBeUndefined();
  });

  it('refuses a URL whose secrets make it other than http(s)', async () => {
    const error = await requestError(
      newClient().send(get('file:///etc/passwd', { shownUrl: '${BASE}/x' })),
    );

    expect(error.message).toContain('not an http(s) URL');
  });

  it.each([
    ['a CRLF', 'v\r\nInjected: yes'],
    ['a NUL', 'v\u0000w'],
    ['a character beyond Latin-1', 'v\u20ac'],
  ])(
    'refuses, as not sent, a header value holding %s, naming the header in its template form',
    async (_what, value) => {
      const server = await startServer((_req, res) => res.end());
      const client = newClient();

      const error = await requestError(
        client.send(
          get(server.url, {
            headers: { 'x-token': value },
            shownHeaders: { 'x-token': '${TOKEN}' },
          }),
        ),
      );

      expect(error.message).toBe(
        `GET ${server.url} was not sent: header x-token (\${TOKEN}) holds a line break or a character HTTP does not allow`,
      );
      expect(server.received).toHaveLength(0);
    },
  );

  it('sends userinfo as Basic credentials, never as part of the URL', async () => {
    const server = await startServer((_req, res) => res.end());
    const url = server.url.replace('http://', 'http://us%3Aer:p%40ss@');

    await newClient().send(get(`${url}/private`));

    const [request] = server.received;
    expect(request!.path).toBe('/private');
    expect(request!.headers.authorization).toBe(
      `Basic ${Buffer.from('us:er:p@ss').toString('base64')}`,
    );
  });

  it('refuses userinfo that cannot be decoded, as not sent', async () => {
    const error = await requestError(
      newClient().send(get('http://a%zz:b@127.0.0.1:1/x', { shownUrl: 'http://${AUTH}@h/x' })),
    );

    expect(error.message).toBe(
      'GET http://${AUTH}@h/x was not sent: its user name or password is not valid',
    );
  });

  it('keeps every digit of an integer beyond 2^53, as exact text listed in exactNumbers', async () => {
    const server = await startServer((_req, res) => {
      res
        .writeHead(201, { 'Content-Type': 'application/json' })
        .end('{"id":12345678901234567890,"n":[1,2.5,1e999],"ok":true}');
    });

    const answer = await newClient().send(get(server.url));

    expect(answer.body).toEqual({ id: '12345678901234567890', n: [1, 2.5, '1e999'], ok: true });
    expect(answer.exactNumbers).toEqual([['id'], ['n', '2']]);
    // What Temporal's JSON payload converter does to an activity result.
    expect(JSON.parse(JSON.stringify(answer))).toEqual(answer);
  });

  it('leaves exactNumbers out when every number fits', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":9007199254740991}');
    });

    const answer = await newClient().send(get(server.url));

    expect(answer.body).toEqual({ id: 9007199254740991 });
    expect(answer).not.toHaveProperty('exactNumbers');
  });

  it('keeps a 2xx JSON body nested deeper than MAX_JSON_DEPTH as text, and succeeds', async () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const justDeepEnough = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    const server = await startServer((req, res) => {
      res
        .writeHead(201, { 'Content-Type': 'application/json' })
        .end(req.url === '/deep' ? deep : justDeepEnough);
    });
    const client = newClient({ maxBodyBytes: 100_000 });

    const answer = await client.send(get(`${server.url}/deep`));
    const limit = await client.send(get(`${server.url}/limit`));

    expect(answer.status).toBe(201);
    expect(answer.body).toBe(deep);
    expect(JSON.parse(JSON.stringify(answer))).toEqual(answer);
    expect(typeof limit.body).toBe('object');
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    const body = JSON.stringify({ note: '['.repeat(MAX_JSON_DEPTH + 1), q: 'a\\"[' });
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    });

    const answer = await newClient().send(get(server.url));

    expect(answer.body).toEqual(JSON.parse(body));
  });

  it('fails as reset and possibly sent when the server drops the connection mid-request', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const client = newClient();

    const error = await networkError(
      client.send(get(`${server.url}/drop`, { method: 'POST', body: '{"a":1}' })),
    );

    expect(server.received.map((r) => r.body)).toEqual(['{"a":1}']);
    expect(error.kind).toBe('reset');
    expect(error.sent).toBe(true);
  });

  it('stops waiting when the caller aborts a request in flight', async () => {
    const server = await startServer(() => undefined);
    const client = newClient();
    const controller = new AbortController();
    const arrived = server.nextRequest();
    const sending = networkError(
      client.send(get(server.url, { signal: controller.signal, timeoutMs: 10_000 })),
    );

    await arrived;
    controller.abort();
    const error = await sending;

    expect(error.kind).toBe('aborted');
    expect(error.sent).toBe(true);
  });

  it('refuses to send with a signal that is already aborted', async () => {
    const server = await startServer((_req, res) => res.end());
    const client = newClient();

    const error = await networkError(
      client.send(get(`${server.url}/aborted`, { signal: AbortSignal.abort() })),
    );

    expect(error).toMatchObject({ kind: 'aborted', sent: false });
    await client.send(get(`${server.url}/after`));
    expect(server.received.map((r) => r.path)).toEqual(['/after']);
  });
});
