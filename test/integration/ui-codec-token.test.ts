import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeUiConfig } from '../../src/cluster/launch';
import type { ClusterPorts, ClusterState } from '../../src/cluster/state';
import { privateCliFlags } from '../../src/dev/private-flags';
import { startTemporalServer, type TemporalServer } from '../../src/dev/temporal-server';

const cli = { env: process.env, allowDownload: false };

/** The command lines of every process this user can see that holds `needle`. */
async function commandLinesHolding(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

describe('the UI codec token', () => {
  let server: TemporalServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('reaches the dev server UI through a private file, never its command line', async () => {
    const token = randomBytes(24).toString('hex');
    const endpoint = `http://127.0.0.1:9/codec/${token}`;

    server = await startTemporalServer({ cli, ui: true, uiCodecEndpoint: endpoint });

    // The UI tells the browser the endpoint: it learned it.
    const settings = await vi.waitFor(
      async () => {
        const response = await fetch(`${server!.uiUrl}/api/v1/settings`);
        expect(response.status).toBe(200);
        return (await response.json()) as { Codec?: { Endpoint?: string } };
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(settings.Codec?.Endpoint).toBe(endpoint);
    expect(await commandLinesHolding(token)).toEqual([]);
  });

  it('is written to a file only its owner can read, in a folder of its own, gone once removed', async () => {
    const token = randomBytes(24).toString('hex');
    const flags = await privateCliFlags({ 'ui-codec-endpoint': `http://x/codec/${token}` });

    expect((await stat(flags.file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(flags.file))).mode & 0o777).toBe(0o700);
    expect(await readFile(flags.file, 'utf8')).toContain(token);
    expect(flags.args.join(' ')).not.toContain(token);
    await flags.remove();
    await expect(stat(path.dirname(flags.file))).rejects.toThrow(/ENOENT/);
  });
});

describe('the UI codec token of tandem cluster', () => {
  it("is written into the UI server's config file with mode 0600, even over an older world-readable one", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tandem-cluster-ui-'));
    try {
      const tandemConfig = path.join(dir, 'tandem.yaml');
      await writeFile(
        tandemConfig,
        stringify({
          temporal: { address: '127.0.0.1:17233' },
          targets: { a: { request: { url: 'http://127.0.0.1:4001/a' } } },
          codec: {
            keys: [{ id: 'k1', key: '${CODEC_KEY}' }],
            ui: { origins: ['http://127.0.0.1:18233'], token: '${UI_TOKEN}' },
          },
        }),
      );
      const token = randomBytes(24).toString('hex');
      const state = {
        dir,
        ports: { frontend: 17233, ui: 18233, gateway: 18080 } as ClusterPorts,
        historyShards: 4,
        namespace: 'default',
        postgresPassword: 'p',
        gatewayKey: 'k',
        tandemConfig,
        workers: 0,
        pids: {},
      } satisfies ClusterState;
      const env = { CODEC_KEY: randomBytes(32).toString('base64'), UI_TOKEN: token };
      const older = path.join(dir, 'ui', 'config', 'cluster.yaml');
      await mkdir(path.dirname(older), { recursive: true });
      await writeFile(older, 'codec: {}\n', { mode: 0o644 });

      const file = await writeUiConfig(state, env);

      expect(file).toBe(older);
      expect(await readFile(file, 'utf8')).toContain(`/codec/${token}`);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
