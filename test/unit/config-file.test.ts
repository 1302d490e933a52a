import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/contract/config/load';
import { ConfigError } from '../../src/contract/errors';
import { caught } from '../support/wait';

const loadError = (promise: Promise<unknown>): Promise<ConfigError> =>
  caught(ConfigError, () => promise);

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-config-'));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(text: string): Promise<string> {
    const file = path.join(dir, 'tandem.config.yaml');
    await writeFile(file, text);
    return file;
  }

  it('reads a YAML file and leaves ${VAR} unresolved, even when the variable is set', async () => {
    vi.stubEnv('TANDEM_TEST_INVENTORY_TOKEN', 'must-not-appear');
    const file = await writeConfig(
      [
        'temporal: { address: localhost:7233, namespace: default, taskQueue: tandem }',
        'targets:',
        '  inventory:',
        '    request:',
        '      method: POST',
        '      url: http://localhost:4001/reservations',
        '      headers: { Authorization: "Bearer ${TANDEM_TEST_INVENTORY_TOKEN}" }',
        '      timeout: 5s',
        '    retry: { initialInterval: 1s, maximumInterval: 30s, deadline: 10m, jitter: full }',
        '    compensate:',
        '      url: http://localhost:4001/reservations/{{response.body.id}}',
        '      retry: { maximumAttempts: 10, deadline: 1h }',
        '',
      ].join('\n'),
    );

    const config = await loadConfig(file);

    const inventory = config.targets.inventory!;
    expect(inventory.request.headers).toEqual({
      Authorization: 'Bearer ${TANDEM_TEST_INVENTORY_TOKEN}',
    });
    expect(JSON.stringify(config)).not.toContain('must-not-appear');
    expect(inventory.request.timeout).toBe(5_000);
    expect(inventory.retry).toMatchObject({
      initialInterval: 1_000,
      maximumInterval: 30_000,
      deadline: 600_000,
      jitter: 'full',
    });
    expect(inventory.compensate?.retry.deadline).toBe(3_600_000);
  });

  it('reports the file path with every problem found in it', async () => {
    const file = await writeConfig(
      'targets:\n  inventory:\n    request: { url: http://h/x }\n    retry: { backoffCoefficient: 0 }\n',
    );

    const error = await loadError(loadConfig(file));

    expect(error.source).toBe(file);
    expect(error.issues).toEqual(['targets.inventory.retry.backoffCoefficient: must be >= 1']);
    expect(error.message).toContain(file);
  });

  it('refuses a YAML syntax error, naming the file', async () => {
    const file = await writeConfig('targets:\n  inventory: { request: [\n');

    const error = await loadError(loadConfig(file));

    expect(error.source).toBe(file);
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) expect(issue).toMatch(/^YAML: \S/);
    expect(error.message).toContain(file);
  });

  it('refuses a missing file, naming its path', async () => {
    const file = path.join(dir, 'absent.yaml');

    const error = await loadError(loadConfig(file));

    expect(error.source).toBe(file);
    expect(error.issues).toEqual([expect.stringContaining('cannot read the file')]);
    expect(error.message).toContain(file);
    expect(error.cause).toMatchObject({ code: 'ENOENT' });
  });
});
