/**
 * How deep JSON nests and whether its numbers are finite, checked without recursion and in one
 * pass: text is scanned before any parser sees it, values are walked with a stack of frames.
 * A client controls both, so neither may cost more than linear time, memory bounded by the
 * input, or the call stack (a body of a million `[`, a wide object near the depth limit).
 */

/** Where text first nests deeper than a limit, as `scanNesting` reports it. */
export interface TooDeepText {
  /** The offset of the bracket that opens the level past the limit. */
  offset: number;
}

/**
 * The first place `text` nests arrays and objects deeper than `limit`, read without parsing
 * (so it costs one look at each character, and stops there); undefined when it never does.
 * String contents, escaped quotes included, are skipped; text that is not JSON is left for the
 * parser to refuse.
 */
export function scanNesting(text: string, limit: number): TooDeepText | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the one character after it (`\"`, `\\`); `\uXXXX` holds no quote.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return { offset: i };
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/** One container being walked: its keys (undefined for an array) and the next index. */
interface Frame {
  container: object;
  keys: string[] | undefined;
  length: number;
  next: number;
  /** The key or index of the child being visited, for the path of an issue found below it. */
  at: string | number;
}

/** What {@link walkJson} found. Each path is built only when something is found. */
export interface JsonShape {
  /** Whether a container sits at depth `limit` or more (nests past the limit). */
  tooDeep?: true;
  /** Where the first number that is not finite (NaN, ±Infinity, `1e999` as parsed) is. */
  notFinite?: (string | number)[];
  /** How many values were visited: the walk's cost, one visit per value. */
  visited: number;
}

/**
 * Walks `value` depth-first in document order, once, with a stack of frames: no recursion, no
 * copy of a path per value. Stops at the first container nested past `limit` (so a cycle ends
 * there too); remembers the first non-finite number and goes on.
 */
export function walkJson(value: unknown, limit: number): JsonShape {
  const frames: Frame[] = [];
  const pathOf = (): (string | number)[] => frames.map((frame) => frame.at);
  let notFinite: (string | number)[] | undefined;
  let visited = 0;
  let current: unknown = value;
  for (;;) {
    visited++;
    if (typeof current === 'number' && !Number.isFinite(current)) notFinite ??= pathOf();
    if (current !== null && typeof current === 'object') {
      if (frames.length >= limit) {
        return { tooDeep: true, ...(notFinite && { notFinite }), visited };
      }
      const keys = Array.isArray(current) ? undefined : Object.keys(current);
      const length = keys ? keys.length : (current as unknown[]).length;
      frames.push({ container: current, keys, length, next: 0, at: 0 });
    }
    // The next value to visit: the next child of the innermost frame with one left.
    let frame = frames.at(-1);
    while (frame !== undefined && frame.next >= frame.length) {
      frames.pop();
      frame = frames.at(-1);
    }
    if (frame === undefined) break;
    const index = frame.next++;
    if (frame.keys) {
      const key = frame.keys[index]!;
      frame.at = key;
      current = (frame.container as Record<string, unknown>)[key];
    } else {
      frame.at = index;
      current = (frame.container as unknown[])[index];
    }
  }
  return { ...(notFinite && { notFinite }), visited };
}
