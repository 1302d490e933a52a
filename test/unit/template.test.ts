import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/contract/errors';
import { caught } from '../support/wait';
import {
  needsResponse,
  renderJson,
  renderText,
  renderUrl,
  templateFields,
  templatesInOrigin,
  unknownTemplateFields,
  type TemplateContext,
} from '../../src/contract/template';

const secrets: Record<string, string> = { TOKEN: 's3cret', HOST: 'api.internal:8443' };
const resolve = (name: string) => secrets[name] ?? '';

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

  it('fills in ${VAR} only with a resolver, and by default leaves it as written', () => {
    expect(renderText('Bearer ${TOKEN} for {{delivery.id}}', context, resolve)).toBe(
      'Bearer s3cret for order-1042',
    );
    expect(renderText('Bearer ${TOKEN} for {{delivery.id}}', context)).toBe(
      'Bearer ${TOKEN} for order-1042',
    );
  });

  it('never reads a value from the response as ${VAR}', () => {
    const echo = { ...context, response: { ...context.response!, body: { id: '${TOKEN}' } } };

    expect(renderText('{{response.body.id}}', echo, resolve)).toBe('${TOKEN}');
  });

  it('quotes the template as written, secrets unresolved, in a TemplateError', () => {
    const error = templateError(() =>
      renderText('Bearer ${TOKEN} {{response.body.gone}}', context, resolve),
    );

    expect(error.template).toBe('Bearer ${TOKEN} {{response.body.gone}}');
    expect(error.message).not.toContain('s3cret');
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

describe('renderUrl', () => {
  const answer = (body: unknown, exactNumbers?: string[][]): TemplateContext => ({
    ...context,
    response: { status: 201, headers: {}, body, ...(exactNumbers && { exactNumbers }) },
  });

  it.each([
    ['a/b', 'a%2Fb'],
    ['%2F', '%252F'],
    ['x?admin=1', 'x%3Fadmin%3D1'],
    ['x#frag', 'x%23frag'],
    ['a b', 'a%20b'],
    ['...', '...'],
  ])('renders the path value %j as the one segment %j', (id, segment) => {
    expect(renderUrl('http://x/res/{{response.body.id}}/lines', answer({ id }))).toBe(
      `http://x/res/${segment}/lines`,
    );
  });

  it.each(['.', '..', ''])(
    'refuses the path value %j, naming it, since it would name another resource',
    (id) => {
      const error = templateError(() =>
        renderUrl('http://x/res/{{response.body.id}}', answer({ id })),
      );

      expect(error.code).toBe('TANDEM_TEMPLATE_UNSAFE_SEGMENT');
      expect(error.segment).toBe(id);
      expect(error.message).toContain(`as ${JSON.stringify(id)}`);
    },
  );

  it('encodes query values, where an empty value is allowed', () => {
    expect(
      renderUrl('http://x/res?id={{response.body.id}}&by={{delivery.id}}', answer({ id: '' })),
    ).toBe('http://x/res?id=&by=order-1042');
    expect(renderUrl('http://x/res?id={{response.body.id}}', answer({ id: 'a&b=c' }))).toBe(
      'http://x/res?id=a%26b%3Dc',
    );
  });

  it('renders a number beyond 2^53 with every digit', () => {
    const big = answer({ id: '12345678901234567890' }, [['id']]);

    expect(renderUrl('http://x/res/{{response.body.id}}', big)).toBe(
      'http://x/res/12345678901234567890',
    );
  });

  it('fills ${VAR} in the host, port and path as is, and quotes the template form in errors', () => {
    expect(
      renderUrl('https://${HOST}/r/{{response.body.id}}?k=${TOKEN}', answer({ id: 7 }), resolve),
    ).toBe('https://api.internal:8443/r/7?k=s3cret');
    const error = templateError(() =>
      renderUrl('https://${HOST}/r/{{response.body.id}}?k=${TOKEN}', answer({ id: '..' }), resolve),
    );
    expect(error.template).toBe('https://${HOST}/r/{{response.body.id}}?k=${TOKEN}');
    expect(error.message).not.toMatch(/s3cret|api\.internal/);
  });

  it.each([
    ['http://{{payload.host}}/x', true],
    ['http://api.{{payload.zone}}.example/x', true],
    ['http://h:{{payload.port}}/x', true],
    ['{{payload.scheme}}://h/x', true],
    ['http://{{payload.user}}@h/x', true],
    ['{{payload.url}}', true],
    ['http:/{{payload.host}}/x', true],
    ['http:{{payload.host}}/x', true],
    ['http://h@{{payload.host}}/x', true],
    ['${BASE}{{payload.host}}/x', true],
    ['${BASE}/x/{{payload.id}}', false],
    ['http://h\\{{payload.id}}', false],
    ['http://${HOST}/x/{{payload.id}}', false],
    ['http://h?q={{payload.id}}', false],
    ['http://h#{{payload.id}}', false],
  ])('templatesInOrigin(%j) is %s', (url, expected) => {
    expect(templatesInOrigin(url)).toBe(expected);
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

    expect(JSON.parse(renderJson(body, context))).toEqual({
      amount: 42,
      nested: { ok: true },
      lines: [{ no: 1 }],
      note: 'undo res_7 of order-1042',
      list: [201, 'fixed'],
      untouched: [7, true, null],
    });
  });

  it('renders a response number beyond 2^53 as that JSON number, every digit kept', () => {
    const big: TemplateContext = {
      ...context,
      response: {
        status: 201,
        headers: {},
        body: { id: '12345678901234567890', ref: { n: '98765432109876543210', s: 'x' } },
        exactNumbers: [['id'], ['ref', 'n']],
      },
    };

    expect(
      renderJson(
        {
          id: '{{response.body.id}}',
          ref: '{{response.body.ref}}',
          note: 'undo {{response.body.id}}',
        },
        big,
      ),
    ).toBe(
      '{"id":12345678901234567890,"ref":{"n":98765432109876543210,"s":"x"},"note":"undo 12345678901234567890"}',
    );
    // The kept answer itself is unchanged.
    expect(big.response!.body).toEqual({
      id: '12345678901234567890',
      ref: { n: '98765432109876543210', s: 'x' },
    });
  });

  it('keeps a string that merely looks like a number a string', () => {
    const text: TemplateContext = {
      ...context,
      response: { status: 201, headers: {}, body: { id: '12345678901234567890' } },
    };

    expect(renderJson({ id: '{{response.body.id}}' }, text)).toBe('{"id":"12345678901234567890"}');
  });

  it('fills ${VAR} in body strings with the resolver, after the placeholders are read', () => {
    expect(renderJson({ auth: '${TOKEN}', id: '{{delivery.id}}' }, context, resolve)).toBe(
      '{"auth":"s3cret","id":"order-1042"}',
    );
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
