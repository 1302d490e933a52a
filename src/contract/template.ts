import { LosslessNumber, stringify } from 'lossless-json';
import { TemplateError } from './errors';

/** What a compensation template may read. */
export interface TemplateContext {
  delivery: { id: string };
  idempotencyKey: string;
  payload: unknown;
  response?: {
    status: number;
    headers: Record<string, string>;
    body: unknown;
    /** Paths in `body` of numbers kept as their exact decimal text (see `HttpAnswer`). */
    exactNumbers?: string[][];
  };
}

/**
 * Gives the text a `${VAR}` stands for. Requests use the worker's environment; messages use
 * {@link keepSecret}, so that what they quote is the template form, never a secret.
 */
export type SecretResolver = (name: string) => string;

/** The resolver of messages: `${VAR}` stays literally that. */
export const keepSecret: SecretResolver = (name) => `\${${name}}`;

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]+?)\s*\}\}$/;
// Secrets and placeholders are replaced in one pass, so a value taken from a response is never
// read again as `${VAR}` (it cannot make the worker send one of its secrets).
const TOKEN = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\{\{\s*([^{}]+?)\s*\}\}/g;
/**
 * Scheme and authority (`http://user@host:port`, or a `${VAR}` such as `${BASE_URL}`) of a URL
 * template. Backslashes end it too: URL parsers read them as `/` in http(s) URLs.
 */
const AUTHORITY = String.raw`(?:\$\{[A-Za-z_][A-Za-z0-9_]*\}|[^/?#\\{}])`;
const URL_ORIGIN = new RegExp(
  String.raw`^(?:[A-Za-z][A-Za-z0-9+.-]*://${AUTHORITY}+|\$\{[A-Za-z_][A-Za-z0-9_]*\}${AUTHORITY}*)`,
);
const UNSAFE_SEGMENTS = new Set(['', '.', '..']);
const ALLOWED_FIELDS = [
  /^delivery\.id$/,
  /^idempotencyKey$/,
  /^payload(\.[^.]+)+$/,
  /^response\.status$/,
  /^response\.headers\.[^.]+$/,
  /^response\.body(\.[^.]+)+$/,
];

/** Every field named by placeholders anywhere in `value` (strings, arrays, objects). */
export function templateFields(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
  if (Array.isArray(value)) return value.flatMap(templateFields);
  if (value && typeof value === 'object') return Object.values(value).flatMap(templateFields);
  return [];
}

/** Fields that no template may name, for config validation. */
export function unknownTemplateFields(value: unknown): string[] {
  return templateFields(value).filter((field) => !ALLOWED_FIELDS.some((re) => re.test(field)));
}

/**
 * Whether placeholders build a URL template's scheme, host or port (or userinfo): a caller's
 * payload or a target's answer could then choose where Tandem sends. `${VAR}` may build them.
 */
export function templatesInOrigin(url: string): boolean {
  const first = url.indexOf('{{');
  if (first === -1) return false;
  // Before the first placeholder there must be a whole origin and the `/`, `?` or `#` that ends
  // it: `http:/{{host}}` or `http://h@{{host}}` would let the value become the host.
  const origin = URL_ORIGIN.exec(url)?.[0];
  return (
    origin === undefined || first <= origin.length || !/[/?#\\]/.test(url[origin.length] ?? '')
  );
}

/** Whether rendering `value` needs the leg's response (so it cannot run on an unknown outcome). */
export function needsResponse(value: unknown): boolean {
  return templateFields(value).some((field) => field.startsWith('response.'));
}

function lookup(context: TemplateContext, field: string, template: string): unknown {
  let current: unknown = context;
  for (const part of field.split('.')) {
    const key = current === context.response?.headers ? part.toLowerCase() : part;
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) {
      throw new TemplateError(field, template);
    }
    current = (current as Record<string, unknown>)[key];
  }
  if (current === undefined || current === null) throw new TemplateError(field, template);
  return current;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function replaceTokens(
  text: string,
  secret: SecretResolver,
  value: (field: string) => string,
): string {
  return text.replace(TOKEN, (_, name: string | undefined, field: string | undefined) =>
    name !== undefined ? secret(name) : value(field ?? ''),
  );
}

/**
 * Renders the `${VAR}` secrets and `{{…}}` placeholders of `text` (a header value). A
 * placeholder naming an absent field throws {@link TemplateError}: an empty string could undo
 * the wrong thing. With the default resolver, secrets stay in their `${VAR}` form.
 */
export function renderText(
  text: string,
  context: TemplateContext,
  secret: SecretResolver = keepSecret,
): string {
  return replaceTokens(text, secret, (field) => asText(lookup(context, field, text)));
}

/** `text` percent-encoded as one URL component; a lone surrogate has no encoding. */
function encoded(text: string, field: string, template: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // URIError: retrying cannot help, so it becomes this leg's permanent template error.
    throw new TemplateError(field, template, { kind: 'unencodable' });
  }
}

/** Whether a rendered path segment names the current or parent resource, or none. */
function unsafeSegment(segment: string): boolean {
  // URL parsers read `%2e` as a dot in a path segment.
  return UNSAFE_SEGMENTS.has(segment.replace(/%2e/gi, '.'));
}

/**
 * Renders the path of a URL template, then checks each segment a placeholder wrote into as a
 * whole: `/x/{{a}}{{b}}` with a = b = "." renders `..`, however safe each value is alone.
 */
function renderPath(
  path: string,
  template: string,
  secret: SecretResolver,
  value: (field: string) => string,
): string {
  const segments: { text: string; fields: string[] }[] = [{ text: '', fields: [] }];
  const current = () => segments[segments.length - 1]!;
  const literal = (text: string) => {
    const [first = '', ...rest] = text.split('/');
    current().text += first;
    for (const part of rest) segments.push({ text: part, fields: [] });
  };
  let end = 0;
  for (const match of path.matchAll(TOKEN)) {
    const [whole, name, field = ''] = match;
    literal(path.slice(end, match.index));
    if (name !== undefined) literal(secret(name));
    else {
      current().text += encoded(value(field), field, template);
      current().fields.push(field);
    }
    end = (match.index ?? 0) + whole.length;
  }
  literal(path.slice(end));
  for (const { text, fields } of segments) {
    if (fields.length > 0 && unsafeSegment(text)) {
      throw new TemplateError(fields.join(' and '), template, {
        kind: 'unsafe-segment',
        segment: text,
      });
    }
  }
  return segments.map((segment) => segment.text).join('/');
}

/**
 * Renders a URL template. Each placeholder's value is percent-encoded as one path segment (or
 * query part), so `/`, `?`, `#` and `%2F` cannot escape it; a path segment a placeholder
 * renders into that comes out `.`, `..` or `""` throws {@link TemplateError}, as it would name
 * another resource, and so does a value with no percent-encoding (a lone surrogate). Config
 * validation keeps placeholders out of the scheme, host and port.
 */
export function renderUrl(
  template: string,
  context: TemplateContext,
  secret: SecretResolver = keepSecret,
): string {
  const origin = URL_ORIGIN.exec(template)?.[0] ?? '';
  const rest = template.slice(origin.length);
  const pathEnd = rest.search(/[?#]/);
  const path = pathEnd === -1 ? rest : rest.slice(0, pathEnd);
  const tail = pathEnd === -1 ? '' : rest.slice(pathEnd);
  const value = (field: string) => asText(lookup(context, field, template));
  const component = (field: string) => encoded(value(field), field, template);
  return (
    replaceTokens(origin, secret, component) +
    renderPath(path, template, secret, value) +
    replaceTokens(tail, secret, component)
  );
}

/**
 * The numbers kept as exact text at or below `field` (a `response.body.<path>`), put back as
 * numbers that serialize with every digit.
 */
function withExactNumbers(context: TemplateContext, field: string, value: unknown): unknown {
  const parts = field.split('.');
  if (parts[0] !== 'response' || parts[1] !== 'body') return value;
  const at = parts.slice(2);
  const below = (context.response?.exactNumbers ?? []).filter(
    (path) => path.length >= at.length && at.every((part, i) => path[i] === part),
  );
  if (below.length === 0) return value;
  if (typeof value === 'string') return new LosslessNumber(value);
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const path of below) {
    let parent: Record<string, unknown> = copy;
    const rel = path.slice(at.length);
    for (const part of rel.slice(0, -1)) parent = parent[part] as Record<string, unknown>;
    const last = rel[rel.length - 1]!;
    parent[last] = new LosslessNumber(parent[last] as string);
  }
  return copy;
}

function renderJsonValue(
  value: unknown,
  context: TemplateContext,
  secret: SecretResolver,
): unknown {
  if (typeof value === 'string') {
    const field = WHOLE_PLACEHOLDER.exec(value)?.[1];
    return field !== undefined
      ? withExactNumbers(context, field, lookup(context, field, value))
      : renderText(value, context, secret);
  }
  if (Array.isArray(value)) return value.map((item) => renderJsonValue(item, context, secret));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderJsonValue(item, context, secret)]),
    );
  }
  return value;
}

/**
 * Renders a JSON body template to its JSON text. A string that is a single placeholder takes
 * the field's value as is (numbers and objects keep their type, and a response number beyond
 * 2^53 keeps every digit); other strings are interpolated, `${VAR}` secrets included.
 */
export function renderJson(
  value: unknown,
  context: TemplateContext,
  secret: SecretResolver = keepSecret,
): string {
  return stringify(renderJsonValue(value, context, secret)) ?? 'null';
}
