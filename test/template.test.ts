import { describe, expect, it } from 'vitest';
import { TemplateError } from '../src/errors';
import { caught } from './support/wait';
import {
  needsResponse,
  renderJson,
  renderText,
  templateFields,
  unknownTemplateFields,
  type TemplateContext,
} from '../src/template';

const context: TemplateContext = {
  delivery: { id: 'order-1042' },
  idempotencyKey: 'order-1042:inventory:compensate',
  payload: { a: { b: 'deep' }, sku: 'A 1/2', items: [{ sku: 'first' }], count: 0 },
  response: {
    status: 201,
    headers: { location: '/reservations/res_7', etag: '"v1"' },
    body: { id: 'res_7', amount: 42, lines: [{ no: 1 }], nested: { ok: true }, empty: null },
  },
};
const unknownOutcome: TemplateContext = {
  delivery: context.delivery,
  idempotencyKey: context.idempotencyKey,
  payload: context.payload,
};

const templateError = (run: () => unknown): TemplateError => caught(TemplateError, run);

describe('renderText', () => {
  it.each([
    ['http://x/reservations/{{response.body.id}}', 'http://x/reservations/res_7'],
    ['{{payload.a.b}}', 'deep'],
    ['{{payload.items.0.sku}}', 'first'],
    ['{{payload.count}}', '0'],
    ['{{delivery.id}}', 'order-1042'],
    ['{{idempotencyKey}}', 'order-1042:inventory:compensate'],
    ['{{response.status}}', '201'],
    ['{{response.body.amount}}', '42'],
    ['{{response.body.nested}}', '{"ok":true}'],
    ['{{ delivery.id }}/{{response.body.id}}', 'order-1042/res_7'],
    ['no placeholders', 'no placeholders'],
  ])('renders %j as %j', (template, rendered) => {
    expect(renderText(template, context)).toBe(rendered);
  });

  it.each(['Location', 'location', 'LOCATION'])(
    'looks up response.headers.%s case-insensitively',
    (name) => {
      expect(renderText(`{{response.headers.${name}}}`, context)).toBe('/reservations/res_7');
    },
  );

  it('escapes each value with the encode argument, and leaves the template text as written', () => {
    expect(
      renderText('http://x/items/{{payload.sku}}?by={{delivery.id}}', context, encodeURIComponent),
    ).toBe('http://x/items/A%201%2F2?by=order-1042');
  });

  it.each([
    ['{{response.body.missing}}', 'response.body.missing'],
    ['{{response.body.id.deeper}}', 'response.body.id.deeper'],
    ['{{response.body.empty}}', 'response.body.empty'],
    ['{{payload.a.c}}', 'payload.a.c'],
    ['{{payload.items.5.sku}}', 'payload.items.5.sku'],
    ['{{response.headers.x-missing}}', 'response.headers.x-missing'],
  ])('throws a TemplateError for %j, naming %s, instead of an empty string', (template, field) => {
    const error = templateError(() => renderText(`http://x/${template}`, context));

    expect(error.field).toBe(field);
    expect(error.template).toBe(`http://x/${template}`);
    expect(error.code).toBe('TANDEM_TEMPLATE_FIELD_MISSING');
    expect(error.message).toContain(field);
  });

  it.each([
    'payload.constructor',
    'response.body.toString',
    'response.body.__proto__',
    'response.headers.constructor',
  ])('treats the inherited property %s as absent, never rendering "undefined"', (field) => {
    expect(templateError(() => renderText(`http://x/{{${field}}}`, context)).field).toBe(field);
    expect(templateError(() => renderJson({ id: `{{${field}}}` }, context)).field).toBe(field);
  });

  it('throws a TemplateError naming the field when the leg has no response', () => {
    const error = templateError(() => renderText('http://x/{{response.body.id}}', unknownOutcome));

    expect(error.field).toBe('response.body.id');
  });
});

describe('renderJson', () => {
  it('keeps the type of a field a whole string names, and interpolates other strings', () => {
    const body = {
      amount: '{{response.body.amount}}',
      nested: '{{ response.body.nested }}',
      lines: '{{response.body.lines}}',
      note: 'undo {{response.body.id}} of {{delivery.id}}',
      list: ['{{response.status}}', 'fixed'],
      untouched: [7, true, null],
    };

    expect(renderJson(body, context)).toEqual({
      amount: 42,
      nested: { ok: true },
      lines: [{ no: 1 }],
      note: 'undo res_7 of order-1042',
      list: [201, 'fixed'],
      untouched: [7, true, null],
    });
  });

  it('throws a TemplateError naming an absent field, in a whole or a mixed string', () => {
    expect(templateError(() => renderJson({ id: '{{response.body.gone}}' }, context)).field).toBe(
      'response.body.gone',
    );
    expect(templateError(() => renderJson(['x {{payload.gone}}'], context)).field).toBe(
      'payload.gone',
    );
  });
});

describe('template fields', () => {
  it('finds the fields named anywhere in strings, arrays and objects', () => {
    expect(
      templateFields({
        url: 'http://x/{{response.body.id}}',
        headers: { 'If-Match': '{{ response.headers.etag }}' },
        body: ['{{payload.a}}', 3, null],
      }),
    ).toEqual(['response.body.id', 'response.headers.etag', 'payload.a']);
  });

  it.each([
    ['http://x/{{response.body.id}}', true],
    [{ 'If-Match': '{{response.headers.etag}}' }, true],
    [{ status: '{{response.status}}' }, true],
    [
      ['http://x/{{delivery.id}}', { key: '{{idempotencyKey}}' }, { sku: '{{payload.sku}}' }],
      false,
    ],
    ['http://x/fixed', false],
    [undefined, false],
  ])('needsResponse(%j) is %s', (value, expected) => {
    expect(needsResponse(value)).toBe(expected);
  });

  it('lists the unknown fields and accepts the documented ones', () => {
    const known = [
      'delivery.id',
      'idempotencyKey',
      'payload.a',
      'payload.a.b.c',
      'response.status',
      'response.headers.Location',
      'response.body.id',
      'response.body.lines.0.no',
    ];
    const unknown = [
      'payload',
      'response.body',
      'response.headers',
      'response.headers.a.b',
      'response.etag',
      'delivery.target',
      'secrets.token',
    ];
    const template = [...known, ...unknown].map((field) => `{{${field}}}`).join('/');

    expect(unknownTemplateFields(template)).toEqual(unknown);
  });
});
