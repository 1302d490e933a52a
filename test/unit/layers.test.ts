import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const LAYER_RULES = ['import-x/no-restricted-paths', '@typescript-eslint/no-restricted-imports'];

let eslint: ESLint;

/**
 * The layer rules' complaints about `code` placed in the (existing) file `file`: the project's
 * own lint config, run over the snippet as if it were that file's text.
 */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages
    .filter((m) => m.ruleId !== null && LAYER_RULES.includes(m.ruleId))
    .map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layers of src/', () => {
  beforeAll(() => {
    eslint = new ESLint({
      cwd: root,
      // Only the layer rules run, and they need no type information: without the project's
      // TypeScript program (built on the first lint) each snippet lints in milliseconds.
      ruleFilter: ({ ruleId }) => LAYER_RULES.includes(ruleId),
      overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    });
  });

  it('refuses a workflow that imports the gateway, a layer above it', async () => {
    const errors = await layerErrors(
      'src/workflows/backoff.ts',
      "import { API_VERSION } from '../gateway/server';\nexport const version = API_VERSION;\n",
    );
    expect(errors).toEqual([
      expect.stringMatching(/no-restricted-paths.*src\/workflows may import only contract/),
    ]);
  });

  it('refuses Node built-ins in the workflow bundle, the contract included', async () => {
    const snippet = "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n";
    for (const file of ['src/workflows/backoff.ts', 'src/contract/limits.ts']) {
      expect(await layerErrors(file, snippet), file).toEqual([
        expect.stringMatching(/no-restricted-imports.*must not use Node built-ins/),
      ]);
    }
  });

  it('lets a workflow import the activities by type only, and not the config', async () => {
    expect(
      await layerErrors(
        'src/workflows/backoff.ts',
        "import { createActivities } from '../activities';\nexport const make = createActivities;\n",
      ),
    ).toEqual([expect.stringMatching(/no-restricted-imports.*import types only/)]);
    expect(
      await layerErrors(
        'src/workflows/backoff.ts',
        "import type { Activities } from '../activities';\nexport type Both = Activities;\n",
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src/workflows/backoff.ts',
        "import { TARGET_NAME } from '../contract/config/schema';\nexport const name = TARGET_NAME;\n",
      ),
    ).toEqual([expect.stringMatching(/policy as input/)]);
  });

  it('refuses the contract reaching up, and the client reaching into a way in', async () => {
    expect(
      await layerErrors(
        'src/contract/limits.ts',
        "import { TandemClient } from '../client/client';\nexport const client = TandemClient;\n",
      ),
    ).toEqual([expect.stringMatching(/src\/contract may import only its own files/)]);
    expect(
      await layerErrors(
        'src/client/plan.ts',
        "import { API_VERSION } from '../gateway/server';\nexport const version = API_VERSION;\n",
      ),
    ).toEqual([expect.stringMatching(/src\/client may import only contract, codec/)]);
  });

  it('allows imports that point down', async () => {
    expect(
      await layerErrors(
        'src/workflows/backoff.ts',
        "import { MAX_NOTE_CHARS } from '../contract/limits';\nexport const most = MAX_NOTE_CHARS;\n",
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src/gateway/paging.ts',
        "import { TandemClient } from '../client/client';\nexport const client = TandemClient;\n",
      ),
    ).toEqual([]);
  });
});
