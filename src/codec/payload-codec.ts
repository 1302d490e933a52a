import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { TandemError } from '../contract/errors';

/** The `encoding` of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata field naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** AES-256 keys are 32 bytes. */
export const KEY_BYTES = 32;

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** One key of a {@link PayloadCipher}: an id kept beside each payload, and 32 secret bytes. */
export interface CodecKey {
  readonly id: string;
  readonly key: Buffer;
}

/** A payload cannot be decrypted: its key is not configured, or it was tampered with. */
export class PayloadDecryptError extends TandemError {
  override readonly name = 'PayloadDecryptError';
  readonly code = 'TANDEM_PAYLOAD_DECRYPT';
}

/** What is sealed: the original payload whole, so its own metadata (`json/plain`) is hidden too. */
interface Sealed {
  m: Record<string, string>;
  d: string;
}

function seal(payload: Payload): Buffer {
  const sealed: Sealed = {
    m: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v ?? new Uint8Array()).toString('base64'),
      ]),
    ),
    d: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
  return Buffer.from(JSON.stringify(sealed), 'utf8');
}

function unseal(plain: Buffer): Payload {
  const sealed = JSON.parse(plain.toString('utf8')) as Sealed;
  return {
    metadata: Object.fromEntries(
      Object.entries(sealed.m).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
    ),
    data: new Uint8Array(Buffer.from(sealed.d, 'base64')),
  };
}

/**
 * AES-256-GCM over whole payloads. The first key encrypts; every key decrypts, found by the key
 * id in the payload's metadata, so runs written before a rotation still read after it (keep the
 * old key listed until they are gone). A payload that is not encrypted (written before the codec
 * was turned on) passes through as it is. The key id is also the cipher's associated data, so a
 * payload whose id was swapped does not decrypt under another key.
 */
export class PayloadCipher implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly current: CodecKey;

  constructor(keys: readonly CodecKey[]) {
    const [first] = keys;
    if (first === undefined) throw new TypeError('PayloadCipher needs at least one key');
    for (const { id, key } of keys) {
      if (key.length !== KEY_BYTES)
        throw new TypeError(`codec key ${id} is not ${KEY_BYTES} bytes`);
    }
    this.current = first;
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  /** The ids of the keys this cipher holds, the encrypting one first. */
  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  // The executor turns a throw into a rejection, as callers of a codec expect.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.encrypt(payload))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decrypt(payload))));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv).setAAD(Buffer.from(id, 'utf8'));
    const sealed = Buffer.concat([
      iv,
      cipher.update(seal(payload)),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return {
      metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(id) },
      data: new Uint8Array(sealed),
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (encoding === undefined || text.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    const id = idBytes === undefined ? '' : text.decode(idBytes);
    const key = this.byId.get(id);
    if (key === undefined) {
      throw new PayloadDecryptError(
        `A payload is encrypted with codec key "${id}", which is not among the configured keys ` +
          `(${this.keyIds.join(', ')}): add it back to codec.keys to read runs written with it.`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    // Shorter data would hand GCM a tag cut from the IV: a 4-byte tag is forged in 2^32 tries.
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptError(
        `A payload encrypted with codec key "${id}" is ${data.length} bytes, too short to hold ` +
          `its ${IV_BYTES}-byte IV and ${TAG_BYTES}-byte tag: it was cut or altered.`,
      );
    }
    try {
      // authTagLength pins the tag at 16 bytes: GCM would otherwise verify a shorter one.
      const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      }).setAAD(Buffer.from(id, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return unseal(plain);
    } catch (cause) {
      throw new PayloadDecryptError(
        `A payload encrypted with codec key "${id}" does not decrypt: it was altered, or the key ` +
          `listed as "${id}" is not the one it was written with.`,
        { cause },
      );
    }
  }
}
