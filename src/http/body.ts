import { isLosslessNumber, isSafeNumber, LosslessNumber, parse } from 'lossless-json';
import { scanNesting } from '../contract/json-shape';
import { MAX_JSON_DEPTH } from '../contract/limits';

/** A response body as kept for templates and status. */
export interface KeptBody {
  body: unknown;
  /** Paths in `body` of numbers kept as their exact decimal text; absent when there are none. */
  exactNumbers?: string[][];
}

// A number a JavaScript number cannot hold exactly (an id beyond 2^53, more digits than a double
// keeps, 1e999) stays a LosslessNumber here, then becomes its exact text below.
const parseNumber = (text: string) =>
  isSafeNumber(text) ? Number(text) : new LosslessNumber(text);

/**
 * Replaces each LosslessNumber by its text, recording where it was. `path` is where `value` is,
 * one array shared by the whole walk: it is copied only for a number found, so the walk costs
 * one step per value whatever the depth (at most {@link MAX_JSON_DEPTH}, checked before).
 */
function keepExact(value: unknown, path: string[], found: string[][]): unknown {
  if (isLosslessNumber(value)) {
    found.push([...path]);
    return value.toString();
  }
  const below = (key: string, item: unknown): unknown => {
    path.push(key);
    const kept = keepExact(item, path, found);
    path.pop();
    return kept;
  };
  if (Array.isArray(value)) return value.map((item, i) => below(`${i}`, item));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines each field: a `__proto__` key stays a plain field.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, below(key, item)]));
  }
  return value;
}

/**
 * Reads an answer's body as the leg keeps it: JSON (by its content type) parsed losslessly, so
 * `{"id": 12345678901234567890}` keeps every digit (as the string `"12345678901234567890"`,
 * listed in `exactNumbers`, which survives Temporal's JSON payload converter); anything else,
 * a cut body, invalid JSON or JSON nested deeper than {@link MAX_JSON_DEPTH}, as text.
 */
export function readBody(text: string, truncated: boolean, contentType: unknown): KeptBody {
  if (text === '') return { body: null };
  const json = typeof contentType === 'string' && /\bjson\b/i.test(contentType);
  // Scanned before parsing: the parser and the payload converter after it recurse.
  if (truncated || !json || scanNesting(text, MAX_JSON_DEPTH)) return { body: text };
  let parsed: unknown;
  try {
    parsed = parse(text, null, {
      parseNumber,
      // As JSON.parse does: the last of duplicate keys wins.
      onDuplicateKey: ({ newValue }) => newValue,
    });
  } catch {
    return { body: text };
  }
  const exactNumbers: string[][] = [];
  const body = keepExact(parsed, [], exactNumbers);
  return exactNumbers.length > 0 ? { body, exactNumbers } : { body };
}
