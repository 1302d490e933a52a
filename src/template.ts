import { TemplateError } from './errors';

/** What a compensation template may read. */
export interface TemplateContext {
  delivery: { id: string };
  idempotencyKey: string;
  payload: unknown;
  response?: { status: number; headers: Record<string, string>; body: unknown };
}

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]+?)\s*\}\}$/;
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

/**
 * Renders the placeholders in `text`. `encode` escapes each value (for URLs). A placeholder
 * naming an absent field throws {@link TemplateError}: an empty string could undo the wrong thing.
 */
export function renderText(
  text: string,
  context: TemplateContext,
  encode: (value: string) => string = (v) => v,
): string {
  return text.replace(PLACEHOLDER, (_, field: string) =>
    encode(asText(lookup(context, field, text))),
  );
}

/**
 * Renders a JSON body template. A string that is a single placeholder takes the field's value
 * as is (numbers and objects keep their type); other strings are interpolated.
 */
export function renderJson(value: unknown, context: TemplateContext): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(value);
    return whole ? lookup(context, whole[1] ?? '', value) : renderText(value, context);
  }
  if (Array.isArray(value)) return value.map((item) => renderJson(item, context));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderJson(item, context)]),
    );
  }
  return value;
}
