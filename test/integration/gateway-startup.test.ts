import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, inject, it } from 'vitest';
import { GatewaySetupError } from '../../src/contract/errors';
import { createGateway } from '../../src/gateway/server';
import { API_KEY, startGatewaySystem, withUnreachableGateway } from '../support/gateway';
import { spawnTandem } from '../support/processes';

describe('a gateway whose Temporal is down', () => {
  it('answers 503 on /healthz and a 503 problem to a start, never a 500', async () => {
    await withUnreachableGateway([], async (url) => {
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({
        status: 'unavailable',
        temporal: { reachable: false },
      });

      const start = await fetch(`${url}/v1/deliveries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'order-1', targets: ['inventory'], payload: {} }),
        signal: AbortSignal.timeout(30_000),
      });
      expect(start.status).toBe(503);
      expect(start.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await start.json()).toMatchObject({ type: 'urn:tandem:problem:temporal-unavailable' });
    });
  });
});

describe('API keys', () => {
  it('refuses to listen beyond loopback with no API key, and lets requests in on loopback', async () => {
    const system = await startGatewaySystem({ apiKeys: [] });
    try {
      const other = await createGateway({
        config: system.config,
        connection: system.connection,
        apiKeys: [],
      });
      await expect(other.listen({ host: '0.0.0.0', port: 0 })).rejects.toThrow(GatewaySetupError);
      await other.close();

      const answer = await system.http('GET', '/v1/deliveries?limit=1', { key: null });
      expect(answer.status).toBe(200);
    } finally {
      await system.stop();
    }
  });

  it('accepts the key as X-API-Key too', async () => {
    const system = await startGatewaySystem();
    try {
      const answer = await system.http('GET', '/v1/deliveries?limit=1', {
        key: null,
        headers: { 'x-api-key': API_KEY },
      });
      expect(answer.status).toBe(200);
    } finally {
      await system.stop();
    }
  });
});

describe('tandem gateway', () => {
  async function configFile(name: string, gateway: Record<string, unknown>): Promise<string> {
    const file = path.resolve('test-results', `gateway-${name}-${process.pid}.yaml`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      stringify({
        temporal: { address: inject('temporalAddress'), taskQueue: `gateway-cli-${name}` },
        targets: { inventory: { request: { url: 'http://127.0.0.1:9/x' } } },
        gateway,
      }),
    );
    return file;
  }

  it('serves the API on the configured address until SIGTERM, and says loudly when no key is set', async () => {
    const config = await configFile('serves', { host: '127.0.0.1', port: 0 });
    const tandem = spawnTandem(['gateway'], { TANDEM_CONFIG: config, TANDEM_API_KEYS: '' });

    const stdout = await tandem.waitForOutput('listening on');
    const url = /listening on (http:\/\/\S+)/.exec(stdout)![1]!;
    const health = await fetch(`${url}/healthz`);
    const list = await fetch(`${url}/v1/deliveries?limit=1`);
    tandem.child.kill('SIGTERM');
    const { code, stdout: lines } = await tandem.exited;

    expect(health.status).toBe(200);
    expect(list.status).toBe(200);
    const warning = lines.split('\n').find((line) => line.includes('WARNING: no API key'));
    expect(JSON.parse(warning!)).toMatchObject({ level: 'warn' });
    expect(code).toBe(0);
  });

  it('refuses to listen beyond loopback without an API key, starting nothing', async () => {
    const config = await configFile('open', { host: '0.0.0.0', port: 0 });
    const tandem = spawnTandem(['gateway'], { TANDEM_CONFIG: config, TANDEM_API_KEYS: '' });

    const { code, stdout, stderr } = await tandem.exited;

    expect(code).not.toBe(0);
    expect(stderr).toMatch(/^tandem: .*no API key.*TANDEM_API_KEYS/m);
    expect(stdout).not.toContain('listening on');
  });
});
