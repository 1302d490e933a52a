import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { spawnTandem } from './processes';
import { startSystem, type System } from './system';

/**
 * The local system the CLI tests run \`tandem\` against, started once per file, with its config
 * written to a file and an \`order.json\` payload beside it, and the ways to run the CLI on it.
 */
export function cliWorld() {
  let system: System;
  let dir: string;
  let configPath: string;

  beforeAll(async () => {
    system = await startSystem((doc) => {
      // A hanging inventory answer is given up after 1 s, so a delivery parks in seconds.
      doc.targets.inventory.request.timeout = '1s';
    });
    configPath = await system.writeConfigFile();
    dir = path.dirname(configPath);
    await writeFile(path.join(dir, 'order.json'), JSON.stringify({ sku: 'A-1', qty: 2 }));
  });
  afterEach(() => system.targets.clearFaults());
  afterAll(async () => {
    await system.stop();
  });

  /** Runs `tandem <args>` against the test's config; resolves when it exits. */
  function tandem(args: string[], env: Record<string, string> = {}) {
    return spawnTandem(args, { TANDEM_CONFIG: configPath, ...env }).exited;
  }

  /** Runs `tandem <args>` with `input` on its standard input, as `echo … | tandem …` does. */
  function tandemWithStdin(args: string[], input: string) {
    return spawnTandem(args, { TANDEM_CONFIG: configPath }, { stdin: input }).exited;
  }

  const payloadFile = () => `@${path.join(dir, 'order.json')}`;

  /** Starts a delivery that parks as needs_attention (inventory's outcome unknown). */
  async function parkedDelivery(): Promise<string> {
    const id = system.newId('parked');
    system.targets.setFault('inventory', 'create', { hang: true, times: 1 });
    system.targets.setFault('shipping', 'create', { status: 422 });
    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
    await system.client.waitFor(id, ['needs_attention'], { timeoutMs: 30_000 });
    system.targets.clearFaults();
    return id;
  }

  function expectOneLine(stderr: string, pattern: RegExp): void {
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(pattern);
  }

  return {
    /** The running system (set once the file's \`beforeAll\` has run). */
    get system(): System {
      return system;
    },
    /** The folder of the config file, where a test writes files of its own. */
    get dir(): string {
      return dir;
    },
    tandem,
    tandemWithStdin,
    payloadFile,
    parkedDelivery,
    expectOneLine,
  };
}
