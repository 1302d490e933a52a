import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/contract/limits';
import {
  closeAll,
  get,
  listen,
  networkError,
  newClient,
  requestError,
  startServer,
} from '../support/http-client-harness';

afterEach(closeAll);

describe('HttpClient', () => {
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
});
