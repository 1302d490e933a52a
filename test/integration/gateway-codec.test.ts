import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PayloadCipher } from '../../src/codec/payload-codec';
import { parseConfig } from '../../src/contract/config/load';
import { demoConfigDocument } from '../../src/demo/config';
import { createGateway, type Gateway } from '../../src/gateway/server';

const key = (id: string) => ({ id, key: randomBytes(32) });
const KEYS = { current: key('k2'), retired: key('k1') };
const UI_TOKEN = 'ui-token-0123456789abcdef';
const READER = { name: 'reader', key: 'reader-key-0123456789', scopes: ['read'] as const };
const DELIVERER = { name: 'deliverer', key: 'deliver-key-012345678', scopes: ['deliver'] as const };
const OPERATOR = { name: 'operator', key: 'operate-key-012345678', scopes: ['operate'] as const };

/** The protocol's JSON form of payloads: bytes as base64. */
function wire(payloads: Payload[]) {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

describe("the gateway's codec routes", () => {
  let connection: Connection;
  let gateway: Gateway;

  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
    const document = {
      ...demoConfigDocument({ targetsUrl: 'http://127.0.0.1:1', address: 'unused:1' }),
      codec: {
        keys: [
          { id: 'k2', key: '${KEY_K2}' },
          { id: 'k1', key: '${KEY_K1}' },
        ],
        ui: { origins: ['http://localhost:8233'], token: '${UI_TOKEN}' },
      },
    };
    gateway = await createGateway({
      config: parseConfig(document, 'test config'),
      connection,
      apiKeys: [READER, DELIVERER, OPERATOR],
      env: {
        KEY_K2: KEYS.current.key.toString('base64'),
        KEY_K1: KEYS.retired.key.toString('base64'),
        UI_TOKEN,
      },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await connection.close();
  });

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    gateway.app.inject({ method: 'POST', url, payload: body as object, headers });
  const sealed = async (cipher: PayloadCipher, value: unknown) =>
    wire(await cipher.encode([defaultPayloadConverter.toPayload(value)]));

  it("decodes for the UI's token and for a key with the read scope, with either configured key", async () => {
    const fromCurrent = await sealed(new PayloadCipher([KEYS.current]), { order: 1 });
    const fromRetired = await sealed(new PayloadCipher([KEYS.retired]), { order: 0 });

    for (const [url, headers] of [
      [`/codec/${UI_TOKEN}/decode`, {}],
      ['/codec/decode', { authorization: `Bearer ${READER.key}` }],
    ] as const) {
      for (const [body, order] of [
        [fromCurrent, 1],
        [fromRetired, 0],
      ] as const) {
        const answer = await post(url, body, headers);
        expect(answer.statusCode).toBe(200);
        const [plain] = answer.json<ReturnType<typeof wire>>().payloads;
        expect(JSON.parse(Buffer.from(plain!.data, 'base64').toString('utf8'))).toEqual({ order });
      }
    }
  });

  it('encodes with the first key for a key with the operate scope', async () => {
    const plain = wire([defaultPayloadConverter.toPayload({ note: 'from the UI' })]);
    const answer = await post('/codec/encode', plain, { authorization: `Bearer ${OPERATOR.key}` });
    expect(answer.statusCode).toBe(200);
    const [encoded] = answer.json<ReturnType<typeof wire>>().payloads;
    expect(Buffer.from(encoded!.metadata['encryption-key-id'] ?? '', 'base64').toString()).toBe(
      'k2',
    );
    expect(Buffer.from(encoded!.data, 'base64').toString('utf8')).not.toContain('from the UI');
  });

  it('refuses a wrong UI token, no key, a key without the scope, and another namespace', async () => {
    const body = await sealed(new PayloadCipher([KEYS.current]), { order: 2 });
    const wrongToken = await post('/codec/not-the-token/decode', body);
    const noKey = await post('/codec/decode', body);
    const noScope = await post('/codec/decode', body, {
      authorization: `Bearer ${DELIVERER.key}`,
    });
    const otherNamespace = await post('/codec/decode', body, {
      authorization: `Bearer ${READER.key}`,
      'x-namespace': 'someone-else',
    });

    expect([wrongToken, noKey, noScope, otherNamespace].map((a) => a.statusCode)).toEqual([
      401, 401, 403, 400,
    ]);
    expect(noScope.json()).toMatchObject({ missingScope: 'read', keyName: 'deliverer' });
    expect(otherNamespace.json<{ detail: string }>().detail).toMatch(
      /X-Namespace.*another namespace/,
    );
  });

  it('checks the token or key before it reads the body: a wrong one with a body that is not JSON gets 401', async () => {
    const notJson = (url: string, headers: Record<string, string> = {}) =>
      gateway.app.inject({
        method: 'POST',
        url,
        payload: '{"payloads": [',
        headers: { 'content-type': 'application/json', ...headers },
      });

    const answers = [
      await notJson('/codec/not-the-token/decode'),
      await notJson('/codec/decode'),
      await notJson('/codec/encode', { authorization: 'Bearer wrong-key-0123456789abcdef' }),
      await notJson('/codec/encode', { authorization: `Bearer ${READER.key}` }),
    ];

    expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401, 403]);
    expect(answers[0]!.json()).toMatchObject({ type: 'urn:tandem:problem:unauthorized' });
  });

  it('answers 422 naming the key for a payload written with a key it does not hold, or altered', async () => {
    const unknown = await sealed(new PayloadCipher([key('k0')]), { order: 3 });
    const altered = await sealed(new PayloadCipher([KEYS.current]), { order: 4 });
    const bytes = Buffer.from(altered.payloads[0]!.data, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    altered.payloads[0]!.data = bytes.toString('base64');
    const auth = { authorization: `Bearer ${READER.key}` };

    const [forUnknown, forAltered] = [
      await post('/codec/decode', unknown, auth),
      await post('/codec/decode', altered, auth),
    ];
    expect([forUnknown.statusCode, forAltered.statusCode]).toEqual([422, 422]);
    expect(forUnknown.json()).toMatchObject({ type: 'urn:tandem:problem:undecryptable-payload' });
    expect(forUnknown.json<{ detail: string }>().detail).toMatch(
      /codec key "k0".*not among the configured keys/,
    );
    expect(forAltered.json<{ detail: string }>().detail).toMatch(/codec key "k2" does not decrypt/);
  });

  it('refuses a body that is not a list of payloads, naming the field', async () => {
    const answer = await post(
      '/codec/decode',
      { payloads: 'nope' },
      { authorization: `Bearer ${READER.key}` },
    );
    expect(answer.statusCode).toBe(400);
    expect(JSON.stringify(answer.json())).toMatch(/payloads.*must be a list/);
  });
});
