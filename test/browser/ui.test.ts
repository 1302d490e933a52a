import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../../src/client/client';
import { workflowIdFor, type DeliveryState } from '../../src/contract/contracts';
import { demoConfigDocument } from '../../src/demo/config';
import { ensureChromium } from '../../scripts/chromium';
import { freePort } from '../../src/host/machine';
import { NO_IDENTITY } from '../../src/client/callers';
import { spawnTandem, type SpawnedProcess } from '../support/processes';

/** Where the screenshots are kept (git-ignored). */
const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-results');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the Temporal UI of tandem dev', () => {
  let dev: SpawnedProcess;
  let browser: BrowserContext;
  let chromiumPath: string;
  let profile: string;
  const ports = { grpc: 0, ui: 0, targets: 0 };

  beforeAll(async () => {
    // Installing is `npm run browser:install`'s job (npm test runs it first): here, only look.
    chromiumPath = (await ensureChromium({ env: process.env, allowInstall: false })).path;
    ports.grpc = await freePort();
    ports.ui = await freePort();
    ports.targets = await freePort();
    profile = await mkdtemp(path.join(tmpdir(), 'tandem-chromium-'));
    dev = spawnTandem([
      'dev',
      // Its own state file: a developer's `npm start` may be running on the project's one.
      '--db',
      path.join(profile, 'temporal.sqlite'),
      '--port',
      String(ports.grpc),
      '--ui-port',
      String(ports.ui),
      '--targets-port',
      String(ports.targets),
    ]);
    await dev.waitForOutput('Running. Ctrl-C stops everything.', 120_000);
    try {
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1400, height: 1000 },
      });
    } catch (error) {
      throw new Error(`Chromium at ${chromiumPath} did not start: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    dev?.kill('SIGKILL');
  });

  /** A config file for `tandem` commands against the dev system, and a payload file. */
  async function useDevSystem() {
    const targetsUrl = `http://127.0.0.1:${ports.targets}`;
    const dir = await mkdtemp(path.join(tmpdir(), 'tandem-ui-'));
    const config = path.join(dir, 'tandem.config.yaml');
    await writeFile(
      config,
      stringify(demoConfigDocument({ targetsUrl, address: `127.0.0.1:${ports.grpc}` })),
    );
    await writeFile(path.join(dir, 'order.json'), JSON.stringify({ sku: 'UI-1', qty: 1 }));
    const fault = async (api: string, body: unknown) => {
      const response = await fetch(`${targetsUrl}/_faults/${api}/create`, {
        method: 'PUT',
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
    };
    return {
      ui: `http://127.0.0.1:${ports.ui}`,
      targetsUrl,
      dir,
      env: { TANDEM_CONFIG: config },
      id: `ui-${randomUUID().slice(0, 8)}`,
      fault,
    };
  }

  it('lists a parked delivery under TandemStatus="needs_attention" and shows its summary', async () => {
    const { ui, targetsUrl, dir, env, id, fault } = await useDevSystem();

    // Inventory's answer never comes (given up after 5 s) and shipping rejects the order, so
    // inventory's outcome is unknown and its undo needs the answer: the delivery parks.
    await fault('inventory', { hang: true, times: 1 });
    await fault('shipping', { status: 422 });
    const delivered = await spawnTandem(
      [
        'deliver',
        ...['--id', id, '--targets', 'inventory,shipping', '--payload', `@${dir}/order.json`],
        ...['--wait', '--json'],
      ],
      env,
    ).exited;
    expect(delivered.code).toBe(7);
    expect((JSON.parse(delivered.stdout) as DeliveryState).status).toBe('needs_attention');
    await fetch(`${targetsUrl}/_faults`, { method: 'DELETE' });

    // The UI lists runs from the visibility store, which lags the run: wait until it has it.
    await expect
      .poll(
        async () => {
          const { stdout } = await spawnTandem(
            ['list', '--status', 'needs_attention', '--json'],
            env,
          ).exited;
          return (JSON.parse(stdout) as DeliverySummary[]).map((d) => d.id);
        },
        { timeout: 30_000, interval: 500 },
      )
      .toContain(id);

    const page = await browser.newPage();
    await mkdir(ARTIFACTS, { recursive: true });
    const query = encodeURIComponent('TandemStatus="needs_attention"');
    await page.goto(`${ui}/namespaces/default/workflows?query=${query}`);
    const row = page.getByRole('link', { name: workflowIdFor(id), exact: true }).first();
    await row.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-needs-attention-list.png') });

    await row.click();
    await page.waitForURL(new RegExp(`/workflows/${workflowIdFor(id)}/`));
    await page.getByTestId('user-metadata-tab').click();
    // The UI renders the summary and the details as markdown, each in a frame of its own.
    const summary = page
      .frameLocator('#user-metadata-summary')
      .getByText(`Deliver ${id} to inventory + shipping`);
    await summary.waitFor({ timeout: 30_000 });
    await page
      .frameLocator('#user-metadata-current-details')
      .getByText('needs_attention', { exact: true })
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-needs-attention-run.png') });

    // Close the parked run: the dev server keeps its state, and it should not greet the next
    // `npm start` as something to fix.
    const resolved = await spawnTandem(['resolve', id, '--note', 'closed by the UI test'], env)
      .exited;
    expect(resolved.code).toBe(0);
  }, 300_000);

  it('sends retryNow from the Send a Signal form to a leg waiting out a 60 s Retry-After, and the attempt comes within seconds', async () => {
    const { ui, dir, env, id, fault } = await useDevSystem();
    await fault('shipping', { status: 503, retryAfter: '60', times: 1 });
    const started = await spawnTandem(
      ['deliver', '--id', id, '--targets', 'inventory,shipping', '--payload', `@${dir}/order.json`],
      env,
    ).exited;
    expect(started.code).toBe(0);
    const status = async () =>
      JSON.parse((await spawnTandem(['status', id, '--json'], env).exited).stdout) as DeliveryState;
    const shipping = (state: DeliveryState) => state.legs.find((l) => l.target === 'shipping')!;
    await expect
      .poll(async () => shipping(await status()).retryAt, { timeout: 30_000, interval: 500 })
      .toBeDefined();

    const page = await browser.newPage();
    await page.goto(`${ui}/namespaces/default/workflows/${workflowIdFor(id)}`);
    await page.getByTestId('user-metadata-tab').click();
    // The run's details list the signal, with the exact input to paste.
    const input = '{"leg":"shipping","by":"your name","note":"why"}';
    await page
      .frameLocator('#user-metadata-current-details')
      .getByText(input)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'More Actions' }).first().click();
    await page.getByRole('menuitem', { name: 'Send a Signal' }).first().click();
    const modal = page.getByRole('dialog', { name: 'Send a Signal' });
    // The form lists the run's signals, each with its description, from the workflow itself.
    await modal.getByTestId('signal-select-button').click();
    await modal.getByRole('option', { name: /^retryNow/ }).click();
    await modal.getByRole('textbox', { name: 'Data' }).click();
    // Typed as a person types it: the editor closes the brace.
    await page.keyboard.type('{"leg":"shipping","by":"ui-test"');
    await modal.getByRole('heading', { name: 'Input' }).click();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-send-retry-now.png') });
    const sentAt = Date.now();
    await modal.getByRole('button', { name: 'Submit' }).click();
    await modal.waitFor({ state: 'hidden', timeout: 10_000 });

    await expect
      .poll(async () => shipping(await status()).status, { timeout: 20_000, interval: 250 })
      .toBe('succeeded');
    // Within seconds, not the minute the target asked for.
    expect(Date.now() - sentAt).toBeLessThan(20_000);
    const state = await status();
    expect(shipping(state).attempts).toBe(2);
    expect(state.actions).toMatchObject([
      // The UI gives Temporal no identity: who asked is that, and the written `by` a claim.
      {
        action: 'retryNow',
        legs: ['shipping'],
        by: NO_IDENTITY,
        claimedBy: 'ui-test',
        via: 'signal',
      },
    ]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-retry-now-done.png') });
  }, 300_000);

  it('tandem dev stops on SIGINT with exit 0', async () => {
    dev.child.kill('SIGINT');
    const { code } = await dev.exited;
    expect(code).toBe(0);
  }, 120_000);
});
