import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The env name the flags are filed under, so a user's `TEMPORAL_ENV` cannot pick another. */
const ENV_NAME = 'tandem-private';

/** Temporal CLI flags held in a file of the owner's only, and the argv that points at it. */
export interface PrivateFlags {
  /** `--env-file PATH --env NAME`: the path is on the command line, the values are not. */
  readonly args: readonly string[];
  /** The file holding the values (mode 0600, in a folder of its own, mode 0700). */
  readonly file: string;
  /** Deletes the file and its folder; call it once the CLI has read them (it reads at start). */
  remove(): Promise<void>;
}

/**
 * Passes Temporal CLI flags whose values are secret (a UI codec endpoint carrying its token)
 * without putting them on the command line, where any local user reads them (`ps`,
 * `/proc/PID/cmdline`). The CLI sets any flag a command lacks from its env file
 * (`--env-file`, YAML `env: { NAME: { flag-name: value } }`), read once at start.
 */
export async function privateCliFlags(
  flags: Readonly<Record<string, string>>,
): Promise<PrivateFlags> {
  // mkdtemp makes the folder 0700; the file is created 0600 and must not exist before.
  const dir = await mkdtemp(path.join(tmpdir(), 'tandem-cli-'));
  const file = path.join(dir, 'env.yaml');
  // JSON is YAML, and needs no quoting rules of its own.
  await writeFile(file, JSON.stringify({ env: { [ENV_NAME]: flags } }), {
    mode: 0o600,
    flag: 'wx',
  });
  return {
    args: ['--env-file', file, '--env', ENV_NAME],
    file,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
