import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../src/worker/worker';
import { bundleFileName, bundleWorkflows, prebuiltBundle } from '../../src/worker/workflow-bundle';

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
    const [plain, encrypting] = await Promise.all([
      bundleWorkflows(workflowsPath, false),
      bundleWorkflows(workflowsPath, true),
    ]);
    expect(plain).toContain('DeliveryRun');
    expect(encrypting).toContain('DeliveryRun');
    // Only the encrypting converter moves messages and stack traces into encoded attributes.
    expect(encrypting).toMatch(/encodeCommonAttributes:\s*true/);
    expect(plain).not.toMatch(/encodeCommonAttributes:\s*true/);
  }, 60_000);
});
