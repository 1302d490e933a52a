/**
 * The real gateway against clients that mean harm: a web page rebinding a name to it, a key
 * guesser, a method it does not serve with a body that never ends, a scraper in a loop, a
 * prober of /healthz. Each answer is checked, nothing is started, and the gateway stays
 * responsive.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DELIVERY_STATUSES } from '../../src/contract/contracts';
import { AUTH_FAILURES_PER_ADDRESS } from '../../src/contract/limits';
import {
  API_KEY,
  startGatewaySystem,
  withUnreachableGateway,
  type GatewaySystem,
} from '../support/gateway';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request as a browser or script the fetch API would not send: any Host, any source address. */
function send(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      {
        method,
        headers: {
          ...(options.body !== undefined && { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.localAddress !== undefined && { localAddress: options.localAddress }),
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Sends `head` with a `Content-Length` of `declared` bytes, then the body chunk by chunk, each
 * after the last was written, until the answer's head arrives: resolves that head and how much
 * of the body had been sent then.
 */
function sendBodySlowly(
  url: string,
  head: string,
  declared: number,
): Promise<{ head: string; sent: number }> {
  const { hostname, port } = new URL(url);
  const chunk = Buffer.alloc(16 * 1024, 'a');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let sent = 0;
    let answer = '';
    let done = false;
    const next = (): void => {
      if (done || sent >= declared) return;
      sent += chunk.length;
      socket.write(chunk, (error) => (error ? undefined : next()));
    };
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      const end = answer.indexOf('\r\n\r\n');
      if (end >= 0 && !done) {
        done = true;
        resolve({ head: answer.slice(0, end), sent });
        socket.destroy();
      }
    });
    socket.on('error', (error) => (done ? undefined : reject(error)));
    socket.on('close', () => {
      if (!done) reject(new Error(`closed without an answer after ${sent} bytes: ${answer}`));
    });
    socket.write(
      `${head}\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${declared}\r\n\r\n{"id":"`,
      next,
    );
  });
}

/** What the gateway sends on a connection from `localAddress` that sends nothing, until it closes it. */
function answerOnConnect(url: string, localAddress: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname, localAddress });
    let answer = '';
    socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

/** The problem type of an answer's body. */
const typeOf = (answer: RawAnswer): unknown => (JSON.parse(answer.body) as { type: string }).type;

describe('a gateway with API keys, against hostile clients', () => {
  let system: GatewaySystem;
  beforeAll(async () => {
    system = await startGatewaySystem({ workers: false });
  });
  afterAll(async () => {
    await system.stop();
  });

  /** The gateway still answers at once, and started nothing for `id`. */
  async function unharmed(id?: string): Promise<void> {
    expect((await system.http('GET', '/v1/deliveries?limit=1')).status).toBe(200);
    if (id !== undefined) await system.expectNoRun(id);
  }

  it('refuses wrong keys from one address with 401, then 429 with Retry-After from the 11th, while a right key from elsewhere still works', async () => {
    const id = system.newId('guess');
    const body = JSON.stringify({ id, targets: ['inventory'], payload: {} });
    const guess = (key: string) =>
      send(system.url, 'POST', '/v1/deliveries', {
        headers: { authorization: `Bearer ${key}` },
        body,
        localAddress: '127.0.0.2',
      });

    const answers: RawAnswer[] = [];
    for (let i = 0; i <= AUTH_FAILURES_PER_ADDRESS; i++) {
      answers.push(await guess(`guess-${i}-0123456789abcdef`));
    }
    const rightKeyFromGuesser = await guess(API_KEY);

    expect(answers.map((a) => a.status)).toEqual([
      ...Array<number>(AUTH_FAILURES_PER_ADDRESS).fill(401),
      429,
    ]);
    const throttled = answers[AUTH_FAILURES_PER_ADDRESS]!;
    expect(typeOf(throttled)).toBe('urn:tandem:problem:too-many-requests');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    // From the guessing address no key is even checked until the window ends.
    expect(rightKeyFromGuesser.status).toBe(429);
    // A new connection from there is answered 429 and closed before it sends a byte.
    const opened = await answerOnConnect(system.url, '127.0.0.2');
    expect(opened).toMatch(/^HTTP\/1\.1 429 /);
    expect(opened).toMatch(/^retry-after: [1-9]\d*\r?$/im);
    expect(opened).toMatch(/^connection: close\r?$/im);
    await unharmed(id);
  });

  it('answers 401 to a wrong key before reading the body it sends, and closes the connection rather than read the rest', async () => {
    const { head, sent } = await sendBodySlowly(
      system.url,
      'POST /v1/deliveries HTTP/1.1\r\nAuthorization: Bearer wrong-key-0123456789abcdef',
      64 * 1024 * 1024,
    );

    expect(head).toMatch(/^HTTP\/1\.1 401 /);
    expect(head).toMatch(/^connection: close\r?$/im);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    await unharmed();
  });

  it.each(['QUERY', 'PROPFIND', 'FOO', 'PUT', 'DELETE'])(
    'answers %s with a body 405 with Allow, before reading the body',
    async (method) => {
      const { head, sent } = await sendBodySlowly(
        system.url,
        `${method} /v1/deliveries HTTP/1.1\r\nAuthorization: Bearer ${API_KEY}`,
        64 * 1024 * 1024,
      );

      expect(head).toMatch(/^HTTP\/1\.1 405 /);
      expect(head).toMatch(/^allow: POST, GET$/im);
      expect(head).toMatch(/^content-type: application\/problem\+json/im);
      expect(sent).toBeLessThan(64 * 1024 * 1024);
      await unharmed();
    },
  );

  it('answers a method it does not know on an unknown path 404', async () => {
    const { head } = await sendBodySlowly(system.url, 'FOO /nowhere HTTP/1.1', 1024 * 1024);

    expect(head).toMatch(/^HTTP\/1\.1 404 /);
    await unharmed();
  });

  it('counts deliveries in Temporal at most twice for 200 scrapes of /metrics, and no scrape waits on Temporal', async () => {
    const service = system.connection.workflowService;
    // Temporal never answers a count: a scrape that waited on it would never end.
    const counts = vi
      .spyOn(service, 'countWorkflowExecutions')
      .mockImplementation(() => new Promise(() => undefined));
    try {
      const scrapes = await Promise.all(
        Array.from({ length: 200 }, () => system.http<string>('GET', '/metrics')),
      );

      expect(scrapes.every((s) => s.status === 200)).toBe(true);
      expect(counts.mock.calls.length).toBeGreaterThan(0);
      expect(counts.mock.calls.length).toBeLessThanOrEqual(2 * DELIVERY_STATUSES.length);
    } finally {
      counts.mockRestore();
    }
    const keyless = await system.http('GET', '/metrics', { key: null });
    expect(keyless.status).toBe(401);
    await unharmed();
  });
});

describe('a gateway without API keys, against a web page that rebinds a name to it', () => {
  let system: GatewaySystem;
  beforeAll(async () => {
    system = await startGatewaySystem({
      workers: false,
      apiKeys: [],
      gateway: { hosts: ['tandem.internal'] },
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  it('answers a request for another host name 421 and starts nothing', async () => {
    const id = system.newId('rebound');
    const answer = await send(system.url, 'POST', '/v1/deliveries', {
      headers: { host: 'attacker.example:8080' },
      body: JSON.stringify({ id, targets: ['inventory'], payload: {} }),
    });

    expect(answer.status).toBe(421);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(typeOf(answer)).toBe('urn:tandem:problem:misdirected-request');
    await system.expectNoRun(id);
    expect((await system.http('GET', '/healthz', { key: null })).status).toBe(200);
  });

  it('answers loopback names with any port and gateway.hosts', async () => {
    const { port } = new URL(system.url);
    const hosts = [
      `localhost:${port}`,
      'localhost',
      `127.0.0.1:${port}`,
      '127.8.9.10',
      `[::1]:${port}`,
      `TANDEM.internal:${port}`,
    ];

    const answers = await Promise.all(
      hosts.map((host) => send(system.url, 'GET', '/v1/deliveries?limit=1', { headers: { host } })),
    );

    expect(answers.map((a) => a.status)).toEqual(hosts.map(() => 200));
    const refused = await Promise.all(
      ['127.0.0.1.attacker.example', 'localhost.attacker.example', 'tandem.internal.evil'].map(
        (host) => send(system.url, 'GET', '/healthz', { headers: { host } }),
      ),
    );
    expect(refused.map((a) => a.status)).toEqual([421, 421, 421]);
  });
});

describe('/healthz of a gateway whose Temporal is down', () => {
  it('says only "unavailable" without a key, and where Temporal is and why to a read key', async () => {
    await withUnreachableGateway([API_KEY], async (url) => {
      const open = await send(url, 'GET', '/healthz');
      const withKey = await send(url, 'GET', '/healthz', {
        headers: { authorization: `Bearer ${API_KEY}` },
      });

      expect(open.status).toBe(503);
      expect(JSON.parse(open.body)).toEqual({ status: 'unavailable' });
      expect(withKey.status).toBe(503);
      expect(JSON.parse(withKey.body)).toMatchObject({
        status: 'unavailable',
        temporal: {
          address: '127.0.0.1:1',
          reachable: false,
          error: expect.any(String) as unknown,
        },
      });
      expect((await send(url, 'GET', '/openapi.json')).status).toBe(200);
    });
  });
});
