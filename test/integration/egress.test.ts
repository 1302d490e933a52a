import { afterEach, describe, expect, it } from 'vitest';
import { egressPolicyFor } from '../../src/http/egress-policy';
import { parseConfig } from '../../src/contract/config/load';
import { HttpClient, HttpEgressError, type HttpRequest } from '../../src/http/client';
import type { Resolver } from '../../src/http/egress';
import { historyText } from '../support/history';
import { startHttpTarget, type HttpTarget } from '../support/http-target';
import { startOwnWorkers } from '../support/own-workers';
import { startSystem, type System } from '../support/system';
import { caught } from '../support/wait';

const clients: HttpClient[] = [];
const targets: HttpTarget[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(targets.splice(0).map((target) => target.close()));
});

/** A resolver stub: each host's answers in turn (the last one repeats), and every question asked. */
function stubResolver(answers: Record<string, string[][]>) {
  const asked: string[] = [];
  const resolve: Resolver = (hostname) => {
    asked.push(hostname);
    const queue = answers[hostname];
    const next = (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? [];
    return Promise.resolve(
      next.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as const),
    );
  };
  return { resolve, asked };
}

/** A target on 127.0.0.1 that closes every connection, so each request connects anew. */
async function target(): Promise<HttpTarget> {
  const started = await startHttpTarget((_request, res) =>
    res.writeHead(200, { connection: 'close' }).end(),
  );
  targets.push(started);
  return started;
}

/** A client fenced by the egress policy of a config with these target URLs and allow list. */
function fencedClient(
  urls: string[],
  resolve: Resolver,
  allow?: string[],
  env: Record<string, string> = {},
) {
  const config = parseConfig({
    targets: Object.fromEntries(urls.map((url, i) => [`t${i}`, { request: { url } }])),
    ...(allow && { egress: { allow } }),
  });
  const client = new HttpClient({ egress: egressPolicyFor(config, env), resolve });
  clients.push(client);
  return client;
}

const get = (url: string, shownUrl = url): HttpRequest => ({
  method: 'GET',
  url,
  shownUrl,
  headers: {},
  timeoutMs: 5_000,
});

describe('the egress fence', () => {
  it('refuses an allowed host that resolves to the cloud metadata address, naming the address, and sends nothing', async () => {
    const { resolve, asked } = stubResolver({ 'inventory.test': [['169.254.169.254']] });
    const client = fencedClient(['http://inventory.test/reservations'], resolve);

    const error = await caught(HttpEgressError, () =>
      client.send(get('http://inventory.test/latest')),
    );

    expect(asked).toEqual(['inventory.test']);
    expect(error.message).toBe(
      'GET http://inventory.test/latest was not sent: the egress fence refused it: 169.254.169.254 ' +
        'is a link-local address (cloud metadata lives here); list it (or its network) in egress.allow to admit it',
    );
  });

  it('refuses a DNS answer that turns private on the second connect (rebinding)', async () => {
    const server = await target();
    const { resolve, asked } = stubResolver({
      'billing.test': [['127.0.0.1'], ['169.254.169.254']],
    });
    // 127.0.0.1 stands in for a public address here: the test may not leave the machine.
    const client = fencedClient([`http://billing.test:${server.port}/`], resolve, ['127.0.0.1/32']);
    const url = `http://billing.test:${server.port}/invoices`;

    const first = await client.send(get(url));
    const second = await caught(HttpEgressError, () => client.send(get(url)));

    expect(first.status).toBe(200);
    expect(second.message).toContain('refused it: 169.254.169.254 is a link-local address');
    expect(asked).toEqual(['billing.test', 'billing.test']);
    expect(server.received).toHaveLength(1);
  });

  it('connects to a non-public address only once a CIDR in egress.allow admits it', async () => {
    const server = await target();
    const answers = { 'ledger.test': [['127.0.0.1']] };
    const url = `http://ledger.test:${server.port}/entries`;
    const closed = fencedClient([url], stubResolver(answers).resolve);
    const open = fencedClient([url], stubResolver(answers).resolve, ['127.0.0.0/8']);

    const refused = await caught(HttpEgressError, () => closed.send(get(url)));
    const admitted = await open.send(get(url));

    expect(refused.message).toContain('refused it: 127.0.0.1 is a loopback address');
    expect(admitted.status).toBe(200);
    expect(server.received).toHaveLength(1);
  });

  it('admits the metadata network only when egress.allow lists it, and connects only to the admitted answers', async () => {
    const config = (allow?: string[]) =>
      parseConfig({
        targets: { meta: { request: { url: 'http://meta.test/' } } },
        ...(allow && { egress: { allow } }),
      });
    const refusal = (address: string, allow?: string[]) =>
      egressPolicyFor(config(allow), {}).addressRefusal(address, 'meta.test');
    expect(refusal('169.254.169.254')).toContain('link-local');
    expect(refusal('169.254.169.254', ['169.254.0.0/16'])).toBe(undefined);
    // IPv4-mapped IPv6 and unique-local IPv6 (AWS's fd00:ec2::254) are judged too.
    expect(refusal('::ffff:169.254.169.254')).toContain('link-local');
    expect(refusal('fd00:ec2::254')).toContain('unique-local');
    expect(refusal('93.184.216.34')).toBe(undefined);

    // Of a mixed answer only the admitted address is dialled.
    const server = await target();
    const { resolve } = stubResolver({ 'mixed.test': [['169.254.169.254', '127.0.0.1']] });
    const client = fencedClient([`http://mixed.test:${server.port}/`], resolve, ['127.0.0.1']);
    expect((await client.send(get(`http://mixed.test:${server.port}/`))).status).toBe(200);
  });

  it('refuses a secret-built URL that reaches a private address, and a host the config does not name', async () => {
    const server = await target();
    const { resolve, asked } = stubResolver({});
    const client = fencedClient(
      [`http://\${META_HOST}/latest`, `http://127.0.0.1:${server.port}/known`],
      resolve,
      undefined,
      { META_HOST: '10.0.0.7' },
    );

    const secretBuilt = await caught(HttpEgressError, () =>
      client.send(get('http://10.0.0.7/latest', 'http://${META_HOST}/latest')),
    );
    const unnamed = await caught(HttpEgressError, () =>
      client.send(get(`http://127.0.0.2:${server.port}/other`)),
    );
    const literal = await client.send(get(`http://127.0.0.1:${server.port}/known`));

    expect(secretBuilt.message).toContain('${META_HOST}');
    expect(secretBuilt.message).toContain('10.0.0.7 is a private address');
    expect(unnamed.message).toContain(
      'its host is neither named by the config nor listed in egress.allow',
    );
    // The config writes 127.0.0.1 literally: that is its own admission.
    expect(literal.status).toBe(200);
    expect(asked).toEqual([]);
    expect(server.received.map((r) => r.url)).toEqual(['/known']);
  });

  it("admits a target's literal private IP for that IP only, never for another host resolving to it", async () => {
    const server = await target();
    // The config writes 127.0.0.1 and localhost literally; the other names are allowed hosts.
    const { resolve, asked } = stubResolver({
      'ledger.test': [['127.0.0.1']],
      'billing.test': [['127.0.0.1']],
    });
    const client = fencedClient(
      [
        `http://127.0.0.1:${server.port}/inventory`,
        `http://localhost:${server.port}/shipping`,
        `http://ledger.test:${server.port}/entries`,
      ],
      resolve,
      ['billing.test'],
    );

    const literal = await client.send(get(`http://127.0.0.1:${server.port}/inventory`));
    const named = await caught(HttpEgressError, () =>
      client.send(get(`http://ledger.test:${server.port}/entries`)),
    );
    const listed = await caught(HttpEgressError, () =>
      client.send(get(`http://billing.test:${server.port}/invoices`)),
    );

    expect(literal.status).toBe(200);
    expect(named.message).toContain('refused it: 127.0.0.1 is a loopback address');
    expect(listed.message).toContain('refused it: 127.0.0.1 is a loopback address');
    expect(asked).toEqual(['ledger.test', 'billing.test']);
    expect(server.received.map((r) => r.url)).toEqual(['/inventory']);
  });

  it('lets a config that names localhost reach loopback', async () => {
    const server = await target();
    const { resolve } = stubResolver({ localhost: [['127.0.0.1']] });
    const client = fencedClient([`http://localhost:${server.port}/`], resolve);
    expect((await client.send(get(`http://localhost:${server.port}/`))).status).toBe(200);
  });
});

describe('the egress fence on the dev server', () => {
  let system: System;
  let stopWorkers: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stopWorkers?.();
    await system.stop();
  });

  it('fails a leg whose host resolves to the metadata address for good, as not sent, and undoes the loopback demo leg', async () => {
    system = await startSystem(
      (doc) => {
        doc.targets.inventory.request.url = 'http://meta.test/latest/meta-data';
      },
      { workers: false },
    );
    const { resolve, asked } = stubResolver({ 'meta.test': [['169.254.169.254']] });
    stopWorkers = await startOwnWorkers(system, { env: { INVENTORY_TOKEN: 'x' }, resolve });
    const id = system.newId('fenced');

    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1' } });
    const state = await system.client.result(id);

    expect(asked).toContain('meta.test');
    expect(state.status).toBe('compensated');
    const [inventory, shipping] = state.legs;
    expect(inventory).toMatchObject({ target: 'inventory', status: 'failed', attempts: 1 });
    expect(inventory!.lastError).toContain(
      'POST http://meta.test/latest/meta-data was not sent: the egress fence refused it: 169.254.169.254 is a link-local address',
    );
    // The demo target on 127.0.0.1, named by the config, was reached and then undone.
    expect(shipping).toMatchObject({ status: 'compensated', lastHttpStatus: 201 });
    expect(await historyText(system.connection, id)).toContain('"type":"EgressRefusedError"');
  }, 120_000);
});
