import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load';
import { gatewaySettings } from '../src/config/schema';
import { TANDEM_SEARCH_ATTRIBUTES } from '../src/search-attributes';

/*
 * There is no Docker engine where the tests run: these tests read docker-compose.yml, the
 * Dockerfile and the files they name, and check them against what the code reads.
 */

const root = path.resolve(__dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  container_name?: string;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const { services } = compose;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
};

/** The services that run the image the Dockerfile builds. */
const appServices = Object.entries(services).filter(([, s]) => s.build !== undefined);

/** `${NAME:-default}` and `${NAME:?message}` resolved as compose would with NAME unset. */
function interpolate(value: string): string {
  return value.replace(
    /\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g,
    (_all, _name, fallback?: string) => fallback ?? '',
  );
}

/** `host:container[:ro]` volume mounts of a service, as absolute host paths. */
function mounts(s: Service): { source: string; target: string }[] {
  return (s.volumes ?? []).flatMap((volume) => {
    const [source = '', target = ''] = volume.split(':');
    return source.startsWith('.') ? [{ source: path.join(root, source), target }] : [];
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** Every environment variable the code reads (`env.NAME`), and the `${NAME}` secrets of a config. */
function variablesReadBy(configText: string): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(path.join(root, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) {
      names.add(match[1]!);
    }
  }
  for (const match of configText.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)) names.add(match[1]!);
  return names;
}

describe('docker-compose.yml', () => {
  it('describes Temporal on PostgreSQL, its UI, setup jobs, the demo targets, workers and the gateway', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'demo-targets',
        'gateway',
        'postgresql',
        'temporal',
        'temporal-schema',
        'temporal-setup',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(service('temporal').environment).toMatchObject({ DB: 'postgres12' });
    expect(service('temporal').environment?.POSTGRES_SEEDS).toBe('postgresql');
    expect(service('temporal').depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    for (const name of ['worker', 'gateway']) {
      expect(service(name).depends_on?.['temporal-setup']).toEqual({
        condition: 'service_completed_successfully',
      });
    }
    for (const name of ['postgresql', 'temporal', 'gateway', 'demo-targets']) {
      expect(service(name).healthcheck, name).toBeDefined();
    }
  });

  it('lets the worker scale out: no fixed container name, no published port', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.command).toEqual(['worker']);
  });

  it('runs CLI verbs that exist, from an image the Dockerfile builds', () => {
    const main = read('src/cli/main.ts');
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/tandem.js"\]/);
    for (const [name, s] of appServices) {
      expect(s.build, name).toBe('.');
      if (s.command) {
        for (const verb of s.command.slice(0, 1)) {
          expect(main, `${name} runs "tandem ${verb}"`).toContain(`.command('${verb}')`);
        }
      }
    }
    // The demo targets run from the built sources: dist/demo/targets.js is src/demo/targets.ts.
    const demo = service('demo-targets').entrypoint?.join(' ') ?? '';
    const [, module] = /require\('\.\/dist\/([\w/-]+)'\)/.exec(demo) ?? [];
    expect(module).toBe('demo/targets');
    expect(read(`src/${module}.ts`)).toContain('export async function startDemoTargets');
  });

  it('builds an image from files that exist and are not ignored', () => {
    const dockerfile = read('Dockerfile');
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(/\s+/),
    );
    expect(copied.length).toBeGreaterThan(0);
    for (const file of copied) {
      expect(existsSync(path.join(root, file)), file).toBe(true);
      expect(ignored, `${file} is in .dockerignore`).not.toContain(file);
    }
    for (const heavy of ['node_modules', '.tandem', '.tools', 'dist']) {
      expect(ignored).toContain(heavy);
    }
    expect(dockerfile).toContain('npm run build');
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(scripts.build).toContain('tsconfig.build.json');
  });

  it('mounts a valid config where TANDEM_CONFIG says, and sets only variables the code reads', async () => {
    for (const [name, s] of appServices) {
      const environment = s.environment ?? {};
      const configMount = mounts(s).find((m) => m.target === environment.TANDEM_CONFIG);
      if (name === 'demo-targets') {
        expect(environment).toEqual({});
        continue;
      }
      expect(configMount, `${name} mounts its TANDEM_CONFIG`).toBeDefined();
      const config = await loadConfig(configMount!.source);
      const known = variablesReadBy(readFileSync(configMount!.source, 'utf8'));
      for (const variable of Object.keys(environment)) {
        expect(known, `${name} sets ${variable}, which nothing reads`).toContain(variable);
      }
      expect(config.temporal.address).toBe('temporal:7233');
    }
    expect(read('Dockerfile')).toContain(
      `ENV TANDEM_CONFIG=${service('worker').environment?.TANDEM_CONFIG}`,
    );
  });

  it('publishes the gateway on the port its config listens on, with a health check there', async () => {
    const gateway = service('gateway');
    const source = mounts(gateway).find((m) => m.target === gateway.environment?.TANDEM_CONFIG)!;
    const settings = gatewaySettings(await loadConfig(source.source));

    expect(settings.host).toBe('0.0.0.0');
    const [published] = gateway.ports ?? [];
    expect(published?.split(':').at(-1)).toBe(String(settings.port));
    expect(gateway.healthcheck?.test.join(' ')).toContain(
      `http://127.0.0.1:${settings.port}/healthz`,
    );
    // A gateway beyond loopback needs a key; compose refuses to start without one.
    expect(gateway.environment?.TANDEM_API_KEYS).toMatch(/^\$\{TANDEM_API_KEYS:\?/);
  });

  it('points the config at services and ports that exist', async () => {
    const config = await loadConfig(path.join(root, 'deploy/tandem.yaml'));
    const [host, port] = config.temporal.address.split(':');
    expect(services[host!], host).toBeDefined();
    expect(service('temporal').ports).toContainEqual(
      expect.stringMatching(new RegExp(`:${port}$`)),
    );

    const urls = Object.values(config.targets).flatMap((t) =>
      [t.request.url, t.compensate?.url].filter((u): u is string => u !== undefined),
    );
    const demo = service('demo-targets');
    const demoPort = /port: (\d+)/.exec(demo.entrypoint?.join(' ') ?? '')?.[1];
    for (const url of urls) {
      const parsed = new URL(url.replace(/\{\{[^}]+\}\}/g, 'x'));
      expect(services[parsed.hostname], url).toBeDefined();
      expect(parsed.port, url).toBe(demoPort);
    }
    expect(demo.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${demoPort}/`);
  });

  it("registers Tandem's search attributes in the namespace the config uses", async () => {
    const setup = service('temporal-setup');
    const config = await loadConfig(path.join(root, 'deploy/tandem.yaml'));
    const types: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };

    expect(setup.environment?.NAMESPACE).toBe(config.temporal.namespace);
    expect(setup.environment?.TANDEM_SEARCH_ATTRIBUTES?.split(' ').sort()).toEqual(
      TANDEM_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${types[key.type]}`).sort(),
    );
    for (const name of ['temporal-schema', 'temporal-setup']) {
      const script = service(name).entrypoint?.at(-1) ?? '';
      const [local] = mounts(service(name)).filter((m) => script.startsWith(m.target));
      expect(local, `${name} mounts ${script}`).toBeDefined();
      expect(existsSync(path.join(local!.source, script.slice(local!.target.length))), script).toBe(
        true,
      );
    }
  });

  it('mounts the Temporal dynamic config the server is told to read', () => {
    const temporal = service('temporal');
    const file = temporal.environment?.DYNAMIC_CONFIG_FILE_PATH ?? '';
    const mount = mounts(temporal).find((m) => m.target === `/etc/temporal/${file}`);
    expect(mount, file).toBeDefined();
    expect(parse(readFileSync(mount!.source, 'utf8'))).toMatchObject({
      'frontend.enableUpdateWorkflowExecution': [{ value: true }],
    });
  });

  it('pins every image to a version', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build !== undefined) continue;
      const image = interpolate(s.image ?? '');
      expect(image, name).toMatch(/^[\w./-]+:\d[\w.-]*$/);
    }
  });
});
