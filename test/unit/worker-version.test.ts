import { describe, expect, it } from 'vitest';
import { versionLines } from '../../src/cli/worker';
import { ConfigError } from '../../src/contract/errors';
import { buildIdOf, parseBuildId } from '../../src/worker/worker-version';
import { caught } from '../support/wait';

describe('the build id derived from the workflow bundle', () => {
  it('is the same for the same code and new for any change to it', () => {
    const code = 'function deliveryRun() { return 1; }';
    expect(buildIdOf(code)).toBe(buildIdOf(code));
    expect(buildIdOf(code)).toMatch(/^[0-9a-f]{12}$/);
    expect(buildIdOf(code.replace('1', '2'))).not.toBe(buildIdOf(code));
  });
});

describe('a build id given by hand', () => {
  it.each(['v42', '2026.12.07-1', 'a1b2c3d'])('takes %j as it is', (id) => {
    expect(parseBuildId(id, 'TANDEM_BUILD_ID')).toBe(id);
  });

  it.each(['', ' v42', '__v42', 'v 42', 'x'.repeat(201)])(
    'refuses %j as a config error naming the variable',
    (id) => {
      const error = caught(ConfigError, () => parseBuildId(id, 'TANDEM_BUILD_ID'));
      expect(error.issues).toEqual([expect.stringMatching(/^TANDEM_BUILD_ID: must be /)]);
    },
  );
});

describe('what tandem worker says of its version', () => {
  const where = { address: 'temporal:7233', namespace: 'orders' };
  const a = { deploymentName: 'tandem', buildId: 'aaa' };
  const b = { deploymentName: 'tandem', buildId: 'bbb' };

  it('says new deliveries start on it when it is current', () => {
    expect(versionLines({ serving: a, current: a, promoted: true }, where)).toEqual([
      'tandem worker: serving tandem.aaa, the current version (promoted now): new deliveries start here',
    ]);
  });

  it('names the current version and the command that promotes it when it is not', () => {
    const lines = versionLines({ serving: b, current: a, promoted: false }, where);
    expect(lines[0]).toBe(
      'tandem worker: serving tandem.bbb; the current version is tandem.aaa, so this worker takes only the runs pinned to tandem.bbb',
    );
    expect(lines[1]).toContain(
      'temporal worker deployment set-current-version --address temporal:7233 --namespace orders --deployment-name tandem --build-id bbb --yes',
    );
    expect(lines[1]).toContain('--promote');
  });
});
