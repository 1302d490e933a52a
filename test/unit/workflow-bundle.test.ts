import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { bundleFileName, prebuiltBundle } from '../../src/worker/workflow-bundle';

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
