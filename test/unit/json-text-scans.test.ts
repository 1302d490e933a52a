import { describe, expect, it } from 'vitest';
import { readPayload, type PayloadSources } from '../../src/cli/payload';
import { PayloadFileError } from '../../src/contract/errors';
import { decodePageToken, encodePageToken } from '../../src/gateway/paging';
import { readBody } from '../../src/http/body';
import { MAX_JSON_DEPTH } from '../../src/contract/limits';
import { caught } from '../support/wait';

const fromFile = (text: string): PayloadSources => ({
  readFile: () => Promise.resolve(text),
  readStdin: () => Promise.resolve(text),
});

describe('the CLI payload file', () => {
  it('is refused before parsing when it nests past the limit, naming where', async () => {
    const text = `{\n  "a": ${'['.repeat(1_000_000)}`;

    const error = await caught(PayloadFileError, () => readPayload('@deep.json', fromFile(text)));

    expect(error.message).toBe(
      `payload file deep.json nests deeper than ${MAX_JSON_DEPTH} levels at line 2, column ` +
        `${7 + MAX_JSON_DEPTH} (offset ${8 + MAX_JSON_DEPTH}); a payload may nest at most ` +
        `${MAX_JSON_DEPTH} levels`,
    );
  });

  it('is refused when balanced brackets nest past the limit, though it is valid JSON', async () => {
    const depth = 200_000;
    const text = '['.repeat(depth) + ']'.repeat(depth);

    await expect(readPayload('@deep.json', fromFile(text))).rejects.toThrow(
      `nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  });

  it('is read when brackets, quotes and backslashes deep in its strings are not nesting', async () => {
    const text = JSON.stringify({ note: `\\"${'['.repeat(500)}\\`, at: ['{'.repeat(500)] });

    expect(await readPayload('@note.json', fromFile(text))).toEqual(JSON.parse(text));
  });
});

describe('the page token', () => {
  it('is refused unread when it holds anything nested', () => {
    const token = Buffer.from(`{"next":${'['.repeat(2000)}`).toString('base64url');

    expect(decodePageToken(token, undefined)).toEqual({
      ok: false,
      detail: 'is not a page token this gateway gave out',
    });
  });

  it('still reads a token this gateway gave out', () => {
    const token = encodePageToken(new Uint8Array([1, 2, 3]), 'running');

    expect(decodePageToken(token, 'running')).toEqual({
      ok: true,
      next: Buffer.from([1, 2, 3]),
    });
  });
});

describe('a kept response body', () => {
  const json = 'application/json';

  it('is parsed when brackets inside its strings, escaped quotes included, look deep', () => {
    const text = JSON.stringify({ id: `a\\"${'['.repeat(2 * MAX_JSON_DEPTH)}"`, n: 1 });

    expect(readBody(text, false, json)).toEqual({ body: JSON.parse(text) as unknown });
  });

  it('is kept as text when it nests past the limit, and parsed at the limit', () => {
    const at = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    const past = `[${at}]`;

    expect(readBody(at, false, json).body).not.toBe(at);
    expect(readBody(past, false, json)).toEqual({ body: past });
  });

  it('records the path of each exact number, however wide and deep', () => {
    const text = '{"a":[{"id":12345678901234567890},{"id":1}],"b":{"c":98765432109876543210}}';

    expect(readBody(text, false, json)).toEqual({
      body: { a: [{ id: '12345678901234567890' }, { id: 1 }], b: { c: '98765432109876543210' } },
      exactNumbers: [
        ['a', '0', 'id'],
        ['b', 'c'],
      ],
    });
  });
});
