import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import { gatewaySettings } from '../../src/contract/config/schema';
import { ConfigError, GatewaySetupError } from '../../src/contract/errors';
import { ApiKeys, apiKeysFrom, isLoopback, presentedKey, SCOPES } from '../../src/gateway/auth';
import { caught } from '../support/wait';

const targets = { inventory: { request: { url: 'http://localhost:4001/reservations' } } };

const issuesOf = (document: unknown): readonly string[] =>
  caught(ConfigError, () => parseConfig(document)).issues;

describe('the gateway section of the config', () => {
  it('is optional: without it the gateway listens on 127.0.0.1:8080 with a 1 MiB body limit and 1000 requests per key per 10 s', () => {
    const config = parseConfig({ targets });

    expect(config.gateway).toBeUndefined();
    expect(gatewaySettings(config)).toEqual({
      host: '127.0.0.1',
      port: 8080,
      bodyLimit: 1_048_576,
      metricsRefresh: 15_000,
      rateLimit: { requests: 1000, per: 10_000 },
    });
  });

  it.each([
    ['512kb', 524_288],
    ['1mb', 1_048_576],
    ['1.5MB', 1_572_864],
    ['100b', 100],
    [4096, 4096],
  ])('reads a body limit of %s as %i bytes', (bodyLimit, bytes) => {
    const config = parseConfig({ targets, gateway: { bodyLimit } });
    expect(gatewaySettings(config).bodyLimit).toBe(bytes);
  });

  it('keeps what is given and fills in the rest', () => {
    const config = parseConfig({
      targets,
      gateway: { host: '0.0.0.0', apiKeys: ['k'.repeat(16)] },
    });
    expect(gatewaySettings(config)).toEqual({
      host: '0.0.0.0',
      port: 8080,
      bodyLimit: 1_048_576,
      apiKeys: ['k'.repeat(16)],
      metricsRefresh: 15_000,
      rateLimit: { requests: 1000, per: 10_000 },
    });
  });

  it('lists every problem by its path', () => {
    const issues = issuesOf({
      targets,
      gateway: {
        port: 70_000,
        bodyLimit: '1 gigabyte',
        apiKeys: ['short'],
        hots: 'x',
        hosts: ['tandem.internal', 'http://evil.example', 'localhost:8080'],
        rateLimit: { requests: 0, per: 'often' },
      },
    });

    expect([...issues].sort()).toEqual(
      [
        'gateway.apiKeys.0: must be at least 16 characters',
        'gateway.bodyLimit: must be a positive size like 512kb or 1mb, or a number of bytes',
        'gateway.hots: unknown field',
        'gateway.hosts.1: must be a host name or IPv4 address such as tandem.internal, with no port',
        'gateway.hosts.2: must be a host name or IPv4 address such as tandem.internal, with no port',
        'gateway.port: must be a port number (0-65535)',
        'gateway.rateLimit.requests: must be >= 1',
        'gateway.rateLimit.per: must be a positive duration like 500ms, 5s or 10m',
      ].sort(),
    );
  });

  it('leaves the errors of the other sections as they were', () => {
    expect(issuesOf({ targets: {} })).toEqual(['targets: must declare a target']);
  });
});

describe("the Web UI's codec origins", () => {
  const codec = (origins: unknown) => ({
    targets,
    codec: { keys: [{ id: 'k1', key: '${CODEC_KEY}' }], ui: { origins, token: '${UI_TOKEN}' } },
  });

  it('refuses null, file: pages and anything with a path, naming each by its place', () => {
    const issues = issuesOf(
      codec([
        'null',
        'http://localhost:8233',
        'file:///tmp/page.html',
        'http://localhost:8233/namespaces',
        'localhost:8233',
        'http://user@localhost:8233',
      ]),
    );

    expect(issues.map((issue) => issue.split(':')[0])).toEqual([
      'codec.ui.origins.0',
      'codec.ui.origins.2',
      'codec.ui.origins.3',
      'codec.ui.origins.4',
      'codec.ui.origins.5',
    ]);
    expect(issues[0]).toContain('must be an origin, scheme://host[:port]');
  });

  it('keeps an origin as browsers send it in Origin', () => {
    const config = parseConfig(codec(['HTTP://LocalHost:8233/', 'https://ui.example.com:443']));
    expect(config.codec?.ui?.origins).toEqual(['http://localhost:8233', 'https://ui.example.com']);
  });
});

describe('API keys', () => {
  const gateway = gatewaySettings(parseConfig({ targets }));

  it('come from TANDEM_API_KEYS, comma-separated, and from the config, without repeats', () => {
    const fromConfig = gatewaySettings(
      parseConfig({ targets, gateway: { apiKeys: ['c'.repeat(20), 'a'.repeat(16)] } }),
    );
    const keys = apiKeysFrom(fromConfig, {
      TANDEM_API_KEYS: ` ${'a'.repeat(16)} ,${'b'.repeat(32)},, `,
    });
    expect(keys.map((k) => k.key)).toEqual(['c'.repeat(20), 'a'.repeat(16), 'b'.repeat(32)]);
    expect(keys.map((k) => k.scopes)).toEqual([SCOPES, SCOPES, SCOPES]);
    expect(apiKeysFrom(gateway, {})).toEqual([]);
  });

  it('refuses a short key in TANDEM_API_KEYS without showing it', () => {
    const attempt = () => apiKeysFrom(gateway, { TANDEM_API_KEYS: `${'a'.repeat(16)},tiny-key` });
    expect(attempt).toThrow(GatewaySetupError);
    expect(attempt).toThrow(/entry 2: the key is shorter than 16 characters/);
    expect(attempt).not.toThrow(/tiny-key/);
  });

  it('accept exactly the configured keys', () => {
    const keys = new ApiKeys([
      { name: 'k', key: 'k'.repeat(16), scopes: ['read'] },
      { name: 'z', key: 'z'.repeat(40), scopes: SCOPES },
    ]);
    expect(keys.required).toBe(true);
    expect(keys.find('k'.repeat(16))?.name).toBe('k');
    expect(keys.find('z'.repeat(40))?.name).toBe('z');
    expect(keys.find('k'.repeat(15))).toBeUndefined();
    expect(keys.find('')).toBeUndefined();
    expect(new ApiKeys([]).required).toBe(false);
  });

  it('are read from Authorization: Bearer or X-API-Key', () => {
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ authorization: 'bearer  abc ' })).toBe('abc');
    expect(presentedKey({ authorization: 'Basic abc' })).toBe('');
    expect(presentedKey({ 'x-api-key': 'abc' })).toBe('abc');
    expect(presentedKey({})).toBeUndefined();
  });

  it('may be left out only on loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].map(isLoopback)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['0.0.0.0', '::', '10.0.0.5', 'example.com'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
