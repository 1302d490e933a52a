import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ConfigError } from '../../src/contract/errors';
import {
  BUNDLE_DIR_ENV,
  bundleFileName,
  bundleFor,
  prebuiltBundle,
} from '../../src/worker/workflow-bundle';

describe('prebuilt workflow bundles', () => {
  it('are found beside the built worker, one for plain configs and one for encrypting ones', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bundle-'));
    expect(prebuiltBundle(false, dir)).toBeUndefined();

    await writeFile(path.join(dir, bundleFileName(false)), '// plain');
    expect(prebuiltBundle(false, dir)).toEqual({ codePath: path.join(dir, 'workflows.bundle.js') });
    expect(prebuiltBundle(true, dir)).toBeUndefined();

    await writeFile(path.join(dir, bundleFileName(true)), '// encrypting');
    expect(prebuiltBundle(true, dir)).toEqual({
      codePath: path.join(dir, 'workflows.encrypting.bundle.js'),
    });
  });

  it('come from the folder TANDEM_WORKFLOW_BUNDLE_DIR names, which must hold the one the config needs', async () => {
    const [named, built] = await Promise.all([
      mkdtemp(path.join(tmpdir(), 'tandem-bundle-')),
      mkdtemp(path.join(tmpdir(), 'tandem-built-')),
    ]);
    await writeFile(path.join(named, bundleFileName(false)), '// plain');
    await writeFile(path.join(built, bundleFileName(true)), '// encrypting');
    const env = { [BUNDLE_DIR_ENV]: named };

    expect(bundleFor(false, env, built)).toEqual({
      codePath: path.join(named, bundleFileName(false)),
    });
    // The named folder wins over the built worker's, and says what it lacks.
    expect(() => bundleFor(true, env, built)).toThrow(ConfigError);
    expect(() => bundleFor(true, env, built)).toThrow(
      `TANDEM_WORKFLOW_BUNDLE_DIR: ${named} holds no workflows.encrypting.bundle.js`,
    );
    expect(bundleFor(true, {}, built)).toEqual({
      codePath: path.join(built, bundleFileName(true)),
    });
  });

  it('carry the encrypting failure converter only in the encrypting bundle', async () => {
    // The run's two bundles, built by `bundleWorkflows` in the global setup.
    const [plain, encrypting] = await Promise.all([
      readFile(inject('workflowBundlePath'), 'utf8'),
      readFile(inject('encryptingWorkflowBundlePath'), 'utf8'),
    ]);
    expect(plain).toContain('DeliveryRun');
    expect(encrypting).toContain('DeliveryRun');
    // Only the encrypting converter moves messages and stack traces into encoded attributes.
    expect(encrypting).toMatch(/encodeCommonAttributes:\s*true/);
    expect(plain).not.toMatch(/encodeCommonAttributes:\s*true/);
  });
});
