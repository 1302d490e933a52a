import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

interface LockEntry {
  name?: string;
  hasInstallScript?: boolean;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));

/** The package name of a lockfile key: the part after the last `node_modules/`. */
const packageName = (key: string, entry: LockEntry) =>
  entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('install scripts', () => {
  // npm 11 warns at every install about a dependency whose install scripts `allowScripts` does
  // not name (and a later npm refuses to run them): the list is reviewed here, not at install.
  it('allowScripts names exactly the locked dependencies that have install scripts', () => {
    const manifest = readJson('package.json') as { allowScripts?: Record<string, boolean> };
    const lock = readJson('package-lock.json') as { packages: Record<string, LockEntry> };
    const withScripts = Object.entries(lock.packages)
      .filter(([key, entry]) => key !== '' && entry.hasInstallScript === true)
      .map(([key, entry]) => packageName(key, entry));
    expect(Object.keys(manifest.allowScripts ?? {}).sort()).toEqual(
      [...new Set(withScripts)].sort(),
    );
  });
});
