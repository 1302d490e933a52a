import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devServerDynamicConfigFlags } from '../../src/dev/dynamic-config';
import { DynamicConfigError } from '../../src/host/errors';

async function file(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tandem-dc-'));
  const name = path.join(dir, 'dynamicconfig.yaml');
  await writeFile(name, text);
  return name;
}

describe("the dev server's dynamic config", () => {
  it('is the deployment file: each unconstrained key becomes one --dynamic-config-value flag', () => {
    const flags = devServerDynamicConfigFlags();
    expect(flags).toContain('limit.maxIDLength=255');
    expect(flags).toContain('frontend.enableUpdateWorkflowExecution=true');
    expect(flags).toContain('system.enableDeploymentVersions=true');
    expect(flags.filter((f) => f === '--dynamic-config-value')).toHaveLength(flags.length / 2);
  });

  it('passes values as JSON and leaves out values that hold only under constraints', async () => {
    const flags = devServerDynamicConfigFlags(
      await file(
        [
          'a.number:',
          '  - value: 1000',
          'b.text:',
          '  - value: "x y"',
          'c.scoped:',
          '  - value: 5',
          '    constraints: { namespace: orders }',
          'd.both:',
          '  - value: 2',
          '    constraints: { namespace: orders }',
          '  - value: 1',
        ].join('\n'),
      ),
    );
    expect(flags).toEqual([
      '--dynamic-config-value',
      'a.number=1000',
      '--dynamic-config-value',
      'b.text="x y"',
      '--dynamic-config-value',
      'd.both=1',
    ]);
  });

  it('names the file and the key when the file is not a dynamic config', async () => {
    const bad = await file('a.number: 1000\n');
    expect(() => devServerDynamicConfigFlags(bad)).toThrow(DynamicConfigError);
    expect(() => devServerDynamicConfigFlags(bad)).toThrow(
      /dynamicconfig\.yaml: a\.number must be a list/,
    );
    const missing = path.join(tmpdir(), 'no-such-dir', 'dynamicconfig.yaml');
    expect(() => devServerDynamicConfigFlags(missing)).toThrow(/no-such-dir.*ENOENT/);
  });
});
