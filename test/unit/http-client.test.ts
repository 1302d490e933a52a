import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closeAll,
  get,
  listen,
  networkError,
  newClient,
  startServer,
} from '../support/http-client-harness';

afterEach(closeAll);

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
