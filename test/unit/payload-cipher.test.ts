import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { PayloadCipher, PayloadDecryptError } from '../../src/codec/payload-codec';

const key = { id: 'k1', key: randomBytes(32) };
const cipher = new PayloadCipher([key]);

async function sealed(): Promise<Payload> {
  const [payload] = await cipher.encode([
    { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"order":1042}') },
  ]);
  return payload!;
}

const withData = (payload: Payload, data: Buffer): Payload => ({ ...payload, data });

describe('the payload cipher', () => {
  it('opens what it sealed', async () => {
    const [opened] = await cipher.decode([await sealed()]);
    expect(Buffer.from(opened!.data!).toString()).toBe('{"order":1042}');
  });

  it('refuses a payload whose 16-byte tag was cut to 4 bytes', async () => {
    const payload = await sealed();
    const data = Buffer.from(payload.data!);
    const cut = withData(payload, data.subarray(0, data.length - 12));
    await expect(cipher.decode([cut])).rejects.toThrow(PayloadDecryptError);
  });

  it('refuses a payload too short to hold its IV and a whole tag, as cut', async () => {
    // 12 bytes: everything after the IV would be read as a 4-byte tag of an empty ciphertext.
    const payload = await sealed();
    const short = withData(payload, Buffer.from(payload.data!).subarray(0, 12));
    const error = await cipher.decode([short]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PayloadDecryptError);
    expect((error as Error).message).toMatch(
      /12 bytes, too short to hold its 12-byte IV and 16-byte tag/,
    );
  });
});
