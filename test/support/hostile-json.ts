/**
 * JSON texts that cost a careless checker much more than their size: wide objects nested just
 * inside the depth limit, and brackets nested far past it.
 */

/**
 * A JSON object nested `depth` levels (`{"a":{"a":…}}`) around one wide object of small members,
 * as many as fit in about `bytes` characters: every member sits at the deepest level.
 */
export function wideAndDeep(depth: number, bytes: number): string {
  const open = '{"a":'.repeat(depth - 1);
  const close = '}'.repeat(depth - 1);
  const members: string[] = [];
  let size = open.length + close.length + 2;
  for (let i = 0; size < bytes; i++) {
    const member = `"${i.toString(36)}":0`;
    members.push(member);
    size += member.length + 1;
  }
  return `${open}{${members.join(',')}}${close}`;
}

/** `count` opening brackets and nothing else: deeper than any stack, and never closed. */
export function openBrackets(count: number): string {
  return '['.repeat(count);
}
