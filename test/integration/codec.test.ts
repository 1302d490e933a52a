import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { TandemClient } from '../../src/client/client';
import { codecKeysFrom } from '../../src/codec/data-converter';
import { PayloadCipher, PayloadDecryptError } from '../../src/codec/payload-codec';
import { parseConfig } from '../../src/contract/config/load';
import { workflowIdFor } from '../../src/contract/contracts';
import { demoConfigDocument } from '../../src/demo/config';
import { ConfigError } from '../../src/contract/errors';
import { startSystem, type System } from '../support/system';
import { caught, until } from '../support/wait';

const newKey = () => randomBytes(32).toString('base64');

/** Every string and byte field of a run's raw history (no codec), bytes read as UTF-8. */
async function rawHistory(system: System, id: string): Promise<[string, string][]> {
  const raw = new Client({ connection: system.connection });
  const history = await raw.workflow.getHandle(workflowIdFor(id)).fetchHistory();
  const fields: [string, string][] = [];
  const walk = (key: string, value: unknown): void => {
    if (value instanceof Uint8Array) fields.push([key, Buffer.from(value).toString('utf8')]);
    else if (typeof value === 'string') fields.push([key, value]);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(k, v);
    }
  };
  walk('', history);
  return fields;
}

/** The key ids of every encrypted payload in a run's raw history. */
async function keyIdsIn(system: System, id: string): Promise<Set<string>> {
  const fields = await rawHistory(system, id);
  return new Set(fields.filter(([key]) => key === 'encryption-key-id').map(([, v]) => v));
}

describe('payload encryption on the dev server', () => {
  const systems: System[] = [];
  const start = async (keys: { id: string; variable: string }[], env: Record<string, string>) => {
    const system = await startSystem(
      (doc) => {
        (doc as Record<string, unknown>).codec = {
          keys: keys.map(({ id, variable }) => ({ id, key: `\${${variable}}` })),
        };
        doc.targets.shipping.retry.maximumAttempts = 1;
      },
      { env, workflowBundlePath: inject('encryptingWorkflowBundlePath') },
    );
    systems.push(system);
    return system;
  };

  afterEach(async () => {
    for (let s = systems.pop(); s; s = systems.pop()) await s.stop();
  });

  it('keeps no plaintext payload, response body or error text in the raw history', async () => {
    const system = await start([{ id: 'k1', variable: 'CODEC_K1' }], { CODEC_K1: newKey() });
    const marker = `plain-${randomUUID()}`;
    const refusal = `refusal-${randomUUID()}`;
    system.targets.setFault('shipping', 'create', { status: 422, body: { error: refusal } });
    const id = system.newId();
    await system.client.start({
      id,
      targets: ['inventory', 'shipping'],
      payload: { orderId: id, note: marker },
    });
    const state = await system.client.waitFor(id, ['compensated'], { timeoutMs: 60_000 });

    // Decoded through the codec, everything reads as usual; the undo used the answered id.
    const shipping = state.legs.find((leg) => leg.target === 'shipping')!;
    expect(shipping.lastError).toMatch(/422/);
    const undo = system.targets.received('inventory', 'undo')[0]!;
    const reservation = undo.path.split('/').pop()!;
    expect(reservation).toMatch(/^res_\d+$/);

    const raw = (await rawHistory(system, id)).map(([, text]) => text).join('\n');
    expect(raw).toContain('binary/encrypted');
    expect(raw).not.toContain(marker);
    expect(raw).not.toContain(reservation);
    expect(raw).not.toContain(refusal);
    expect(raw).not.toContain(shipping.lastError!);
    expect(raw).not.toContain(state.reason!);
    // By design, search attributes stay readable: the UI and `tandem list` filter on them.
    const described = await system.connection.workflowService.describeWorkflowExecution({
      namespace: system.config.temporal.namespace,
      execution: { workflowId: workflowIdFor(id) },
    });
    const status = described.workflowExecutionInfo?.searchAttributes?.indexedFields?.TandemStatus;
    expect(Buffer.from(status!.data!).toString('utf8')).toBe('"compensated"');
    // So a client without the key still lists it (and every other run around it).
    const plainDocument: Record<string, unknown> = { ...system.document };
    delete plainDocument.codec;
    const keyless = await TandemClient.connect(parseConfig(plainDocument), system.connection);
    const listed = await until(
      () => keyless.list({ status: 'compensated', limit: 1000 }),
      (found) => found.some((d) => d.id === id),
      { timeoutMs: 30_000, message: () => `${id} is not listed as compensated` },
    );
    expect(listed.find((d) => d.id === id)?.targets).toEqual(['inventory', 'shipping']);
  }, 120_000);

  it('still reads runs written before a key rotation, and encrypts new ones with the new key', async () => {
    const k1 = newKey();
    const before = await start([{ id: 'k1', variable: 'CODEC_K1' }], { CODEC_K1: k1 });
    const old = before.newId();
    await before.client.start({ id: old, targets: ['inventory'], payload: { n: 1 } });
    await before.client.waitFor(old, ['completed']);
    await before.stop();

    // Rotated: k2 encrypts, k1 is kept to read what it wrote.
    const after = await start(
      [
        { id: 'k2', variable: 'CODEC_K2' },
        { id: 'k1', variable: 'CODEC_K1' },
      ],
      { CODEC_K1: k1, CODEC_K2: newKey() },
    );
    // No worker polls the old run's task queue: its result and memo are read by the client alone.
    expect((await after.client.result(old)).status).toBe('completed');
    const fresh = after.newId();
    await after.client.start({ id: fresh, targets: ['inventory'], payload: { n: 2 } });
    await after.client.waitFor(fresh, ['completed']);
    expect(await keyIdsIn(after, old)).toEqual(new Set(['k1']));
    expect(await keyIdsIn(after, fresh)).toEqual(new Set(['k2']));

    // With k1 dropped, the old run's memo cannot be read, and the error names the missing key.
    const withoutK1 = await TandemClient.connect(
      parseConfig({ ...after.document, codec: { keys: [{ id: 'k2', key: '${CODEC_K2}' }] } }),
      after.connection,
      { env: { CODEC_K2: newKey() } },
    );
    const error = await withoutK1.result(old).catch((e: unknown) => e);
    const messages = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
    expect(messages.join(' | ')).toMatch(/codec key "k1", which is not among the configured keys/);
  }, 180_000);
});

describe('codec keys', () => {
  const document = (codec: unknown) => ({
    ...demoConfigDocument({ targetsUrl: 'http://127.0.0.1:4001', address: '127.0.0.1:7233' }),
    codec,
  });

  it('refuses a key written in the file, a repeated id and an empty list, by path', () => {
    const error = caught(ConfigError, () =>
      parseConfig(
        document({
          keys: [
            { id: 'a', key: 'c2VjcmV0' },
            { id: 'a', key: '${K}' },
          ],
        }),
      ),
    );
    expect(error.issues).toEqual([
      'codec.keys.0.key: must be ${VAR}: a codec key is read from the environment, never written in the file',
      'codec.keys.1.id: repeats key id "a"',
    ]);
    expect(caught(ConfigError, () => parseConfig(document({ keys: [] }))).issues).toEqual([
      'codec.keys: must list at least one key (the first encrypts, all decrypt)',
    ]);
  });

  it('names every unset or malformed key by its path, never its value', () => {
    const config = parseConfig(
      document({
        keys: [
          { id: 'new', key: '${CODEC_NEW}' },
          { id: 'old', key: '${CODEC_OLD}' },
        ],
      }),
    );
    const error = caught(ConfigError, () => codecKeysFrom(config, { CODEC_OLD: 'too-short-key' }));
    expect(error.issues).toEqual([
      "codec.keys.0.key: ${CODEC_NEW} is not set in this process's environment",
      'codec.keys.1.key: ${CODEC_OLD} must hold 32 random bytes as base64 (`openssl rand -base64 32`) or as 64 hex digits',
    ]);
    expect(error.message).not.toContain('too-short-key');
  });

  it('refuses a payload whose key id was swapped, and passes unencrypted payloads through', async () => {
    const a = { id: 'a', key: randomBytes(32) };
    // The same key bytes under another id: only the id, bound as associated data, differs.
    const b = { id: 'b', key: a.key };
    const [sealed] = await new PayloadCipher([a]).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"x":1}') },
    ]);
    const swapped = {
      ...sealed!,
      metadata: { ...sealed!.metadata, 'encryption-key-id': Buffer.from('b') },
    };
    await expect(new PayloadCipher([b, a]).decode([swapped])).rejects.toThrow(PayloadDecryptError);
    const [opened] = await new PayloadCipher([b, a]).decode([sealed!]);
    expect(Buffer.from(opened!.data!).toString()).toBe('{"x":1}');
    const plain = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('1') };
    expect(await new PayloadCipher([a]).decode([plain])).toEqual([plain]);
  });
});
