import { describe, expect, it } from 'vitest';
import { deepWideBody } from '../../bench/flood';
import { parseBenchArgs, rowsFor } from '../../bench/options';
import { MAX_JSON_DEPTH } from '../../src/contract/limits';

/** How deep `text`'s arrays and objects nest. */
function depthOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const c of text) {
    if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return deepest;
}

describe('the hostile bench row', () => {
  it('is part of the standard matrix, through the gateway at a steady rate quiet then flooded, and runs alone with --only hostile', () => {
    const standard = rowsFor(parseBenchArgs([])).filter((row) => row.name.includes('hostile'));
    const rows = rowsFor(parseBenchArgs(['--only', 'hostile']));

    expect(rows).toEqual(standard);
    expect(rows.map((row) => [row.kind, row.ratePerSecond, row.setup])).toEqual([
      ['open', 10, { starter: 'gateway' }],
      ['open', 10, { starter: 'gateway', flooded: true }],
    ]);
    expect(rows[1]!.name).toBe(`${rows[0]!.name} flooded`);
  });

  it('floods with 1 MiB requests of wide objects nested just under the depth limit', () => {
    const body = deepWideBody();
    const text = body.toString('utf8');

    expect(body.length).toBeGreaterThan(1_000_000);
    expect(body.length).toBeLessThanOrEqual(1024 * 1024);
    expect(depthOf(text)).toBe(MAX_JSON_DEPTH - 1);
    const request = JSON.parse(text) as { targets: string[]; payload: Record<string, unknown> };
    expect(request.targets).toHaveLength(1);
    expect(Object.keys(request.payload).length).toBeGreaterThan(1000);
  });
});
