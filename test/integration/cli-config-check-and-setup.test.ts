import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { spawnTandem } from '../support/processes';
import { TANDEM_SEARCH_ATTRIBUTES } from '../../src/contract/search-attributes';

const ROOT = path.resolve(__dirname, '..', '..');

/** A config that points at the suite's server, with secrets as `${VAR}` that nobody sets. */
const config = (namespace = 'default') => ({
  temporal: { address: inject('temporalAddress'), namespace, taskQueue: 'orders' },
  targets: {
    inventory: {
      request: {
        url: '${INVENTORY_BASE_URL}/reservations',
        headers: { Authorization: 'Bearer ${UNSET_INVENTORY_TOKEN}' },
        timeout: '20s',
      },
    },
    shipping: { request: { url: 'http://shipping.internal/shipments' }, bulkhead: false },
  },
});

describe('tandem config check, setup and --version', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-check-'));
    await writeFile(file('good.yaml'), stringify(config()));
    await writeFile(
      file('bad.yaml'),
      stringify({
        temporal: { taskQueue: 7 },
        targets: {
          inventory: {
            request: { url: 'ftp://inventory/reservations' },
            retry: { backoffCoefficient: 0.5 },
          },
        },
      }),
    );
  });

  it('prints a valid config as one line, with its secrets unset and no server reached', async () => {
    const { code, stdout, stderr } = await spawnTandem(['config', 'check', file('good.yaml')], {
      TANDEM_CONFIG: '/nonexistent.yaml',
    }).exited;

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      `${file('good.yaml')}: valid. Targets: inventory on orders.inventory, shipping on orders; workflows on orders; namespace default at ${inject('temporalAddress')}`,
    ]);
  });

  it("names each target's task queue with --json, and reads TANDEM_CONFIG without a file argument", async () => {
    const { code, stdout } = await spawnTandem(['config', 'check', '--json'], {
      TANDEM_CONFIG: file('good.yaml'),
    }).exited;

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      ok: true,
      file: file('good.yaml'),
      address: inject('temporalAddress'),
      namespace: 'default',
      workflowTaskQueue: 'orders',
      deploymentName: 'tandem',
      shutdownGraceSeconds: 25,
      targets: [
        { name: 'inventory', taskQueue: 'orders.inventory', bulkhead: true },
        { name: 'shipping', taskQueue: 'orders', bulkhead: false },
      ],
    });
  });

  it('lists every problem by its path and exits 1, as text and as JSON', async () => {
    const problems = [
      'temporal.taskQueue: Invalid input: expected string, received number',
      'targets.inventory.request.url: must be an http(s) URL',
      'targets.inventory.retry.backoffCoefficient: must be >= 1',
    ];
    const [text, json] = await Promise.all([
      spawnTandem(['config', 'check', file('bad.yaml')]).exited,
      spawnTandem(['config', 'check', file('bad.yaml'), '--json']).exited,
    ]);

    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    for (const problem of problems) expect(text.stderr).toContain(`  - ${problem}\n`);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      file: file('bad.yaml'),
      errors: problems,
    });
  });

  it('prints the version in package.json with --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await spawnTandem([flag]).exited;
      expect(code).toBe(0);
      expect(stdout).toBe(`${version}\n`);
    }
  });

  describe('tandem setup', () => {
    let connection: Connection;
    const namespace = `setup-${Date.now().toString(36)}`;
    beforeAll(async () => {
      connection = await Connection.connect({ address: inject('temporalAddress') });
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      await writeFile(file('setup.yaml'), stringify(config(namespace)));
    });
    afterAll(() => connection.close());

    it("registers Tandem's search attributes on a namespace that lacks them, and changes nothing when run again", async () => {
      const setup = () =>
        spawnTandem(['setup', '--json'], { TANDEM_CONFIG: file('setup.yaml') }).exited;

      const first = await setup();
      const second = await setup();

      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({
        namespace,
        searchAttributes: { added: TANDEM_SEARCH_ATTRIBUTES.map((key) => key.name), present: [] },
      });
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace,
      });
      expect(Object.keys(customAttributes ?? {})).toEqual(
        expect.arrayContaining(TANDEM_SEARCH_ATTRIBUTES.map((key) => key.name)),
      );
      expect(second.code).toBe(0);
      expect(JSON.parse(second.stdout)).toEqual({
        namespace,
        searchAttributes: { added: [], present: TANDEM_SEARCH_ATTRIBUTES.map((key) => key.name) },
      });
    });
  });
});
