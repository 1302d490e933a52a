import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
/** How README runs the CLI from a checkout. */
const CLI = ['run', '-s', 'tandem', '--'];

let cache: string | undefined;
afterEach(async () => {
  if (cache !== undefined) await rm(cache, { recursive: true, force: true });
  cache = undefined;
});

describe('first use from a checkout', () => {
  it('README runs the CLI the way this test does, never through npx', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`npm ${CLI.join(' ')} --help`);
    // Prose may name `npx tandem` to say why not; no command starts with it.
    expect(readme).not.toMatch(/npx tandem\s+-{0,2}[a-z]/);
  });

  // `npx tandem` in the checkout installs the project into npm's cache before it runs, and
  // two started together on a fresh cache race there (one dies with MODULE_NOT_FOUND). The
  // README's form installs nothing, so there is nothing to race on.
  it('two CLI commands started at once on a fresh npm cache both succeed and install nothing', async () => {
    cache = await mkdtemp(path.join(tmpdir(), 'tandem-npm-cache-'));
    const env = { ...process.env, npm_config_cache: cache };
    const run = () =>
      promisify(execFile)('npm', [...CLI, '--help'], { cwd: ROOT, env, timeout: 60_000 });
    const answers = await Promise.all([run(), run()]);
    for (const { stdout } of answers) expect(stdout).toMatch(/^Usage: tandem /);
    expect(await readdir(cache)).not.toContain('_npx');
  });
});
