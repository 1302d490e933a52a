import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnTandem } from '../support/processes';

async function configFile(text: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'tandem-cli-')), 'tandem.config.yaml');
  await writeFile(file, text);
  return file;
}

describe('tandem worker', () => {
  it('refuses a config with several mistakes, listing each by path, and starts nothing', async () => {
    const config = await configFile(`
temporal: { address: 127.0.0.1:1, taskQueue: "" }
targets:
  inventory:
    request: { url: "not a url", timeout: soon }
    retry: { backoffCoefficient: 0.5, maxAttempts: 3 }
    compensate: { url: "http://127.0.0.1:1/r/{{response.bdy.id}}" }
`);
    const { code, stdout, stderr } = await spawnTandem(['worker'], { TANDEM_CONFIG: config })
      .exited;

    expect(code).toBe(1);
    expect(stdout).not.toContain('polling');
    for (const problem of [
      'temporal.taskQueue: must not be empty',
      'targets.inventory.request.url: must be an http(s) URL',
      'targets.inventory.request.timeout: must be a positive duration',
      'targets.inventory.retry.backoffCoefficient: must be >= 1',
      'targets.inventory.retry.maxAttempts: unknown field',
      'targets.inventory.compensate.url: template field "response.bdy.id" is unknown',
    ]) {
      expect(stderr).toContain(problem);
    }
    expect(stderr).toContain('6 problems');
  });

  it('names the missing config file', async () => {
    const missing = path.join(tmpdir(), 'no-such-dir', 'tandem.config.yaml');
    const { code, stderr } = await spawnTandem(['worker'], { TANDEM_CONFIG: missing }).exited;

    expect(code).toBe(1);
    expect(stderr).toContain(missing);
    expect(stderr).toContain('cannot read the file');
  });

  it('says in one line when Temporal cannot be reached', async () => {
    const config = await configFile(`
temporal: { address: "127.0.0.1:1" }
targets:
  inventory:
    request: { url: "http://127.0.0.1:1/r" }
`);
    const { code, stderr } = await spawnTandem(['worker'], { TANDEM_CONFIG: config }).exited;

    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^tandem: cannot reach Temporal at 127\.0\.0\.1:1/);
  });
});
