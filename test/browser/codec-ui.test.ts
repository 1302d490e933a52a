import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type BrowserContext } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor, type DeliveryState } from '../../src/contract/contracts';
import { demoConfigDocument } from '../../src/demo/config';
import { freePort } from '../../src/host/machine';
import { ensureChromium } from '../../scripts/chromium';
import { spawnTandem, type SpawnedProcess } from '../support/processes';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-results');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];

describe('the Temporal UI of tandem dev --encrypt', () => {
  let dev: SpawnedProcess;
  let browser: BrowserContext;
  let profile: string;
  const codecKey = randomBytes(32).toString('base64');
  // A key of the test's own beside the one `tandem dev` makes, to read /metrics with.
  const apiKey = randomBytes(24).toString('hex');
  const ports = { grpc: 0, ui: 0, targets: 0, gateway: 0 };

  beforeAll(async () => {
    const chromiumPath = (await ensureChromium({ env: process.env, allowInstall: false })).path;
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
    profile = await mkdtemp(path.join(tmpdir(), 'tandem-codec-ui-'));
    dev = spawnTandem(
      [
        'dev',
        '--encrypt',
        ...['--db', path.join(profile, 'temporal.sqlite')],
        ...['--port', String(ports.grpc), '--ui-port', String(ports.ui)],
        ...['--targets-port', String(ports.targets), '--gateway-port', String(ports.gateway)],
      ],
      { TANDEM_CODEC_KEY: codecKey, TANDEM_API_KEYS: apiKey },
    );
    await dev.waitForOutput('Running. Ctrl-C stops everything.', 120_000);
    browser = await chromium.launchPersistentContext(path.join(profile, 'chromium'), {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    dev?.kill('SIGKILL');
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('shows the decoded payload of a run whose history holds only ciphertext', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tandem-codec-ui-'));
    const config = path.join(dir, 'tandem.config.yaml');
    await writeFile(
      config,
      stringify({
        ...demoConfigDocument({
          targetsUrl: `http://127.0.0.1:${ports.targets}`,
          address: `127.0.0.1:${ports.grpc}`,
        }),
        codec: { keys: [{ id: 'dev', key: '${TANDEM_CODEC_KEY}' }] },
      }),
    );
    const marker = `seen-in-ui-${randomUUID().slice(0, 8)}`;
    await writeFile(path.join(dir, 'order.json'), JSON.stringify({ sku: marker, qty: 1 }));
    const id = `codec-ui-${randomUUID().slice(0, 8)}`;
    const delivered = await spawnTandem(
      [
        'deliver',
        ...['--id', id, '--targets', 'inventory,shipping', '--payload', `@${dir}/order.json`],
        ...['--wait', '--json'],
      ],
      { TANDEM_CONFIG: config, TANDEM_CODEC_KEY: codecKey },
    ).exited;
    expect(delivered.code).toBe(0);
    expect((JSON.parse(delivered.stdout) as DeliveryState).status).toBe('completed');

    // The server holds ciphertext only.
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.grpc}` });
    try {
      const history = await new Client({ connection }).workflow
        .getHandle(workflowIdFor(id))
        .fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input;
      const input = started?.payloads?.[0];
      expect(Buffer.from(input!.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(input!.data!).toString('utf8')).not.toContain(marker);
    } finally {
      await connection.close();
    }

    // The UI asks the gateway's codec route to decode, and shows the payload.
    const page = await browser.newPage();
    await page.goto(
      `http://127.0.0.1:${ports.ui}/namespaces/default/workflows/${workflowIdFor(id)}`,
    );
    await page.getByText(marker).first().waitFor({ timeout: 60_000 });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-decoded-payload.png') });
    // Only the codec route could have decoded it: the gateway counted the UI's calls there.
    const metrics = await (
      await fetch(`http://127.0.0.1:${ports.gateway}/metrics`, {
        headers: { authorization: `Bearer ${apiKey}` },
      })
    ).text();
    expect(metrics).toMatch(
      /tandem_gateway_requests_total\{[^}]*route="\/codec\/:token\/decode"[^}]*status="200"[^}]*\} [1-9]/,
    );

    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
  }, 300_000);
});
