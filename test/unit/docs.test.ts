import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TandemClient } from '../../src/client/client';
import { parseConfig } from '../../src/contract/config/load';
import { configSchema } from '../../src/contract/config/schema';
import { requestSchemaFor } from '../../src/contract/request';
import { DEFAULT_DEADLINES } from '../../src/client/client-options';
import { gatewayDocument } from '../../src/gateway/document';
import { MAX_URL_LENGTH } from '../../src/gateway/guards';
import { GatewayMetrics } from '../../src/gateway/metrics';
import { gatewayRoutes } from '../../src/gateway/routes';
import { listQuerySchema } from '../../src/gateway/schemas';
import { expectedLimitsPage, LIMITS_PAGE } from '../../scripts/limits-table';
import { expectedMetricsPage, METRICS_PAGE } from '../../scripts/metrics-table';
import { PAGES, renderPage } from '../../scripts/pages';
import { METRICS } from '../../src/contract/metrics';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS = path.join(ROOT, 'docs');
const README_MAX_LINES = 300;

const read = (file: string) => readFile(path.join(ROOT, file), 'utf8');

async function markdownFiles(): Promise<string[]> {
  const pages = (await readdir(DOCS)).filter((name) => name.endsWith('.md'));
  return ['README.md', ...pages.map((name) => `docs/${name}`)];
}

/** The first cells of a page's table rows, when they open with a backticked value. */
function firstCells(page: string): { key: string; cells: string[] }[] {
  return page
    .split('\n')
    .filter((line) => /^\|\s*`/.test(line))
    .map((line) => {
      const cells = line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim());
      return { key: /^`([^`]+)`/.exec(cells[0]!)![1]!, cells };
    });
}

interface ConfigKeys {
  /** Keys a user sets a value for: each must be documented. */
  leaves: Set<string>;
  /** Every key, sections included: what the page may document. */
  all: Set<string>;
  /** A key's default, where the schema fills one in. */
  defaults: Map<string, unknown>;
}

/**
 * Every key the config schema accepts, as the page writes it: `<name>` for a target's name, `[]`
 * for an entry of a list.
 */
function configKeys(schema: z.ZodType): ConfigKeys {
  const keys: ConfigKeys = { leaves: new Set(), all: new Set(), defaults: new Map() };
  const walk = (node: z.core.$ZodType, at: string): void => {
    if (node instanceof z.ZodOptional || node instanceof z.ZodNullable)
      return walk(node.unwrap(), at);
    if (node instanceof z.ZodPrefault || node instanceof z.ZodDefault) {
      const value: unknown = node.def.defaultValue;
      if (typeof value !== 'object') keys.defaults.set(at, value);
      return walk(node.unwrap(), at);
    }
    if (node instanceof z.ZodPipe) return walk(node.in, at);
    if (at !== '') keys.all.add(at);
    if (node instanceof z.ZodObject) {
      const shape: Record<string, z.core.$ZodType> = node.shape;
      for (const [name, child] of Object.entries(shape)) {
        walk(child, at === '' ? name : `${at}.${name}`);
      }
    } else if (node instanceof z.ZodUnion) {
      for (const option of node.options) walk(option, at);
    } else if (node instanceof z.ZodArray || node instanceof z.ZodRecord) {
      // A list or map of plain values is one key; of objects, each object's keys too.
      keys.leaves.add(at);
      const entries = node instanceof z.ZodArray ? node.element : node.valueType;
      const objects = (entry: z.core.$ZodType): boolean =>
        entry instanceof z.ZodObject ||
        (entry instanceof z.ZodUnion && entry.options.some(objects)) ||
        ((entry instanceof z.ZodOptional || entry instanceof z.ZodPrefault) &&
          objects(entry.unwrap())) ||
        (entry instanceof z.ZodPipe && objects(entry.in));
      if (objects(entries)) {
        const each = node instanceof z.ZodArray ? `${at}[]` : `${at}.<name>`;
        walk(entries, each);
        // The list's own key covers its plain entries; a map of objects is documented by theirs.
        keys.leaves.delete(node instanceof z.ZodArray ? each : at);
      }
    } else {
      keys.leaves.add(at);
    }
  };
  walk(schema, '');
  return keys;
}

/** GitHub's anchor for a heading. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('docs/config.md', () => {
  it('documents every key the config schema accepts, and no key it refuses', async () => {
    const schema = configKeys(configSchema);
    const documented = firstCells(await read('docs/config.md'))
      .map(({ key }) => key)
      .filter((key) => /^[a-z]/.test(key));

    expect([...schema.leaves].filter((key) => !documented.includes(key))).toEqual([]);
    expect(documented.filter((key) => !schema.all.has(key))).toEqual([]);
  });

  it("states each key's default as the schema fills it in", async () => {
    const { defaults } = configKeys(configSchema);
    const stated = new Map(
      firstCells(await read('docs/config.md')).map(({ key, cells }) => [key, cells[2] ?? '']),
    );
    const wrong = [...defaults]
      .filter(([key, value]) => !stated.get(key)?.startsWith(`\`${String(value)}\``))
      .map(([key, value]) => `${key}: ${String(value)}, stated ${stated.get(key)}`);
    expect(wrong).toEqual([]);
  });

  it('lists every limit as src/contract/limits.ts has it (npm run docs writes it)', async () => {
    expect(await readFile(LIMITS_PAGE, 'utf8')).toBe(await expectedLimitsPage());
  });
});

describe('docs/http-api.md', () => {
  it('lists every route of the OpenAPI document with its scope, and no route it lacks', async () => {
    const config = parseConfig({
      targets: { inventory: { request: { url: 'http://127.0.0.1:4001/inventory' } } },
    });
    const unused = new Proxy(
      {},
      {
        get: () => {
          throw new Error('the document is built without calling Temporal');
        },
      },
    ) as TandemClient;
    const requestSchema = requestSchemaFor(config);
    const routes = gatewayRoutes({
      client: unused,
      config,
      metrics: new GatewayMetrics(
        { deliveries: () => Promise.resolve(0), heldLegs: () => Promise.resolve(0), targets: [] },
        () => undefined,
        15_000,
      ),
      requestSchema,
      mayRead: () => false,
      openapi: () => document,
    });
    const document = gatewayDocument(routes, config, requestSchema);
    // Each route with the scope a key needs for it (`none`: open to all).
    const served = Object.entries(document.paths)
      .flatMap(([route, methods]) =>
        Object.entries(methods).map(
          ([method, operation]) =>
            `${method.toUpperCase()} ${route} ${z.string().default('none').parse(operation['x-tandem-scope'])}`,
        ),
      )
      .sort();

    const documented = firstCells(await read('docs/http-api.md'))
      .map(({ key, cells }) => {
        const route = /^(GET|POST|PUT|PATCH|DELETE) \/[^\s?]*/.exec(key)?.[0];
        return route && `${route} ${(cells[1] ?? '').replace(/`/g, '')}`;
      })
      .filter((route) => route !== undefined)
      .sort();

    expect(documented).toEqual(served);
  });

  it('states the gateway figures the code has', async () => {
    const page = await read('docs/http-api.md');
    const { limit } = listQuerySchema.parse({});
    expect(page).toContain(`over ${MAX_URL_LENGTH} characters`);
    expect(page).toContain(`within ${DEFAULT_DEADLINES.health / 1000} s`);
    expect(page).toContain(`(default ${limit})`);
  });
});

describe('README.md and docs/', () => {
  it(`README.md has at most ${README_MAX_LINES} lines`, async () => {
    const lines = (await read('README.md')).trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('every relative link points at a file that exists, and at a heading it has', async () => {
    const broken: string[] = [];
    for (const file of await markdownFiles()) {
      const text = (await read(file)).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [where, hash] = target!.split('#') as [string, string | undefined];
        const linked = where === '' ? file : path.posix.join(path.posix.dirname(file), where);
        if (!existsSync(path.join(ROOT, linked))) {
          broken.push(`${file}: ${target} (no file ${linked})`);
          continue;
        }
        if (hash === undefined || !linked.endsWith('.md')) continue;
        const headings = [...(await read(linked)).matchAll(/^#+ (.+)$/gm)].map(([, h]) =>
          anchor(h!),
        );
        if (!headings.includes(hash)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every docs/ page the code and deploy files name exists', async () => {
    const named = new Set<string>();
    const scan = async (dir: string): Promise<void> => {
      for (const entry of await readdir(path.join(ROOT, dir), { withFileTypes: true })) {
        const file = path.posix.join(dir, entry.name);
        if (entry.isDirectory()) await scan(file);
        else
          for (const [page] of (await read(file)).matchAll(/docs\/[a-z-]+\.md/g)) named.add(page);
      }
    };
    for (const dir of ['src', 'scripts', 'deploy', 'bench']) await scan(dir);

    const missing = [...named].filter((page) => !existsSync(path.join(ROOT, page)));
    expect(named.size).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});

describe('generated docs', () => {
  it.each(Object.keys(PAGES))('%s is what its source generates (npm run docs)', async (page) => {
    expect(await read(page)).toBe(await renderPage(page));
  });

  it('lists every metric as src/contract/metrics.ts declares it (npm run docs writes it)', async () => {
    const page = await readFile(METRICS_PAGE, 'utf8');
    expect(page).toBe(await expectedMetricsPage());
    for (const spec of Object.values(METRICS)) {
      expect(page).toMatch(new RegExp(`^\\| \`${spec.name}\` +\\|`, 'm'));
    }
  });

  it('lists every operator action with its route, verb and input', async () => {
    const page = await renderPage('docs/actions.md');
    for (const expected of [
      '`POST /v1/deliveries/{id}/retry-now` (scope `operate`) → 200',
      '`tandem extend ID --leg … --duration … [--note …]`',
      'update and signal `extendDeadline`: `{"leg", "duration": "10m", "by", "note"?}`',
      "Temporal's cancel request",
      '`note` (required): at most 500 characters, not blank.',
    ]) {
      expect(page).toContain(expected);
    }
  });
});
