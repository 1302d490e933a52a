import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnTandem } from '../support/processes';

// Preloaded into a `tandem` process: at exit, it writes the files that process required.
const RECORD_LOADED = `
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.LOADED_FILES, JSON.stringify(Object.keys(require.cache)));
});
`;

describe('a tandem process', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-cli-process-'));
    const configPath = path.join(dir, 'tandem.config.yaml');
    await writeFile(
      configPath,
      stringify({
        temporal: {
          address: inject('temporalAddress'),
          namespace: 'default',
          taskQueue: 'cli-process',
        },
        targets: {
          inventory: {
            request: { method: 'POST', url: 'http://127.0.0.1:1/inventory' },
            retry: { maximumAttempts: 1 },
          },
        },
      }),
    );
    await writeFile(path.join(dir, 'record-loaded.cjs'), RECORD_LOADED);
    env = { TANDEM_CONFIG: configPath };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Runs `tandem <args>` and resolves with its exit and the packages it loaded. */
  async function loadedBy(args: string[]) {
    const record = path.join(dir, `loaded-${args.join('-')}.json`);
    const run = await spawnTandem(args, {
      ...env,
      LOADED_FILES: record,
      NODE_OPTIONS: `--require ${path.join(dir, 'record-loaded.cjs')}`,
    }).exited;
    const files = JSON.parse(await readFile(record, 'utf8')) as string[];
    const packages = new Set(
      files.flatMap((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1] ?? []),
    );
    return { ...run, packages };
  }

  it('loads neither the worker, the gateway nor the dev server for help, reads and operator actions', async () => {
    const runs = await Promise.all([
      loadedBy(['--help']),
      loadedBy(['list', '--limit', '1']),
      loadedBy(['status', 'no-such-delivery']),
      loadedBy(['cancel', 'no-such-delivery', '--reason', 'a test']),
    ]);

    for (const { packages, stderr } of runs) {
      // The client side did load: the test sees what a run requires.
      expect(packages, stderr).toContain('@temporalio/client');
      for (const heavy of ['@temporalio/worker', '@temporalio/testing', 'fastify', 'rxjs']) {
        expect(packages).not.toContain(heavy);
      }
    }
    expect(runs.map(({ code }) => code)).toEqual([0, 0, 3, 3]);
  }, 120_000);

  it('ends quietly with its own exit status when the reader of its output is gone', async () => {
    const runs = [['list'], ['list', '--json'], ['status', 'no-such-delivery']].map((args) => {
      const spawned = spawnTandem(args, env);
      // The reader closes before a line is written, as `head -1` has after its line.
      spawned.child.stdout?.destroy();
      return spawned.exited;
    });

    const [list, listJson, missing] = await Promise.all(runs);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(listJson).toMatchObject({ code: 0, stderr: '' });
    expect(missing?.code).toBe(3);
    expect(missing?.stderr).toMatch(/^tandem: No delivery "no-such-delivery" was found\.\n$/);
  }, 120_000);
});
