import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/contract/errors';
import { renderUrl, type TemplateContext } from '../../src/contract/template';
import { caught } from '../support/wait';

const withPayload = (payload: unknown): TemplateContext => ({
  delivery: { id: 'order-1042' },
  idempotencyKey: 'order-1042:inventory',
  payload,
});

describe('a URL template rendering a value with a lone surrogate', () => {
  it.each([
    ['a path segment', 'http://x/r/{{payload.id}}'],
    ['a query value', 'http://x/r?id={{payload.id}}'],
    ['a fragment', 'http://x/r#{{payload.id}}'],
  ])('is a permanent template error of the leg in %s, not a URIError', (_where, template) => {
    for (const id of ['\ud800', 'a\udfffb', '\udc00\ud800']) {
      const error = caught(TemplateError, () => renderUrl(template, withPayload({ id })));

      expect(error.code).toBe('TANDEM_TEMPLATE_UNENCODABLE');
      expect(error.field).toBe('payload.id');
      expect(error.message).toContain(`Template "${template}" renders payload.id as text`);
    }
  });

  it('renders a value whose surrogates are paired', () => {
    expect(renderUrl('http://x/r/{{payload.id}}', withPayload({ id: 'a\ud83d\ude00' }))).toBe(
      'http://x/r/a%F0%9F%98%80',
    );
  });
});

describe('the path segment rule of URL templates', () => {
  it('refuses a segment two values render as "..", naming both', () => {
    const error = caught(TemplateError, () =>
      renderUrl('http://x/r/{{payload.a}}{{payload.b}}/y', withPayload({ a: '.', b: '.' })),
    );

    expect(error.code).toBe('TANDEM_TEMPLATE_UNSAFE_SEGMENT');
    expect(error.segment).toBe('..');
    expect(error.field).toBe('payload.a and payload.b');
  });

  it.each([
    ['a literal dot and a value', 'http://x/r/.{{payload.a}}', { a: '.' }, '..'],
    ['an encoded dot and a value', 'http://x/r/%2E{{payload.a}}/y', { a: '.' }, '%2E.'],
    ['two empty values', 'http://x/r/{{payload.a}}{{payload.b}}', { a: '', b: '' }, ''],
  ])('refuses a segment that %s render as a dot segment', (_what, template, payload, segment) => {
    const error = caught(TemplateError, () => renderUrl(template, withPayload(payload)));

    expect(error.segment).toBe(segment);
  });

  it.each([
    ['an empty value beside text', 'http://x/r/v{{payload.a}}/y', { a: '' }, 'http://x/r/v/y'],
    ['a dot beside text', 'http://x/r/{{payload.a}}json', { a: '.' }, 'http://x/r/.json'],
    [
      'a dot and a letter',
      'http://x/r/{{payload.a}}{{payload.b}}',
      { a: '.', b: 'b' },
      'http://x/r/.b',
    ],
  ])('accepts %s, whose rendered segment names one resource', (_what, template, payload, url) => {
    expect(renderUrl(template, withPayload(payload))).toBe(url);
  });

  it('leaves a template segment that no value renders into as the config wrote it', () => {
    expect(renderUrl('http://x/r/../{{payload.a}}', withPayload({ a: 'k' }))).toBe(
      'http://x/r/../k',
    );
  });
});
