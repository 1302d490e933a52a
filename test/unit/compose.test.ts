import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/contract/config/load';
import { gatewaySettings } from '../../src/contract/config/schema';
import { serverEnvironment } from '../../src/cluster/specs';
import { DEPLOY_FILES } from '../../src/host/deploy-files';
import { REQUIRED_PORTS, type ClusterState } from '../../src/cluster/state';
import { CLUSTER_VERSIONS } from '../../src/cluster/versions';
import { TANDEM_SEARCH_ATTRIBUTES } from '../../src/contract/search-attributes';
import { DEFAULT_METRICS_ADDRESS, METRICS_ADDRESS_ENV } from '../../src/telemetry/metrics';

/*
 * There is no Docker engine where the tests run: these tests read docker-compose.yml, the
 * Dockerfile and the files they name, and check them against what the code reads.
 */

const root = path.resolve(__dirname, '..', '..');
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

const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
const deployDir = path.join(root, 'deploy', 'temporal');

/** Variables deploy/temporal/server.yaml reads with no default (it fails without them). */
const requiredServerVariables = [
  ...read(`deploy/temporal/${DEPLOY_FILES.serverConfig}`).matchAll(/\{\{ env "(\w+)" \}\}/g),
]
  .map((m) => m[1]!)
  .filter((name) => !name.startsWith('TEMPORAL_TLS_') && name !== 'PROMETHEUS_ENDPOINT');

/** A local cluster's state, as `tandem cluster` makes one. */
const clusterState = {
  dir: '/tmp/cluster',
  ports: Object.fromEntries(REQUIRED_PORTS.map((n, i) => [n, 7000 + i])),
  historyShards: 4,
  namespace: 'default',
  postgresPassword: 'p',
  gatewayKey: 'k',
  tandemConfig: '/tmp/cluster/tandem.yaml',
  workers: 2,
  pids: {},
} as unknown as ClusterState;

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
  it("describes Temporal's four services on PostgreSQL, its UI, setup jobs, the demo targets, workers, the gateway, Prometheus, Grafana and Jaeger", () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'demo-targets',
        'gateway',
        'grafana',
        'jaeger',
        'prometheus',
        'postgresql',
        ...TEMPORAL_SERVICES.map((s) => `temporal-${s}`),
        'temporal-schema',
        'temporal-setup',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    for (const name of TEMPORAL_SERVICES) {
      const server = service(`temporal-${name}`);
      expect(server.environment?.TEMPORAL_SERVICES, name).toBe(name);
      expect(server.environment?.POSTGRES_SEEDS).toBe('postgresql');
    }
    expect(service('temporal-frontend').depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    for (const name of ['worker', 'gateway']) {
      expect(service(name).depends_on?.['temporal-setup']).toEqual({
        condition: 'service_completed_successfully',
      });
    }
    for (const name of ['postgresql', 'temporal-frontend', 'gateway', 'demo-targets']) {
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
      expect(config.temporal.address).toBe('temporal-frontend:7233');
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
    expect(service(host!).ports).toContainEqual(expect.stringMatching(new RegExp(`:${port}$`)));

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

  it('runs every Temporal service on the server config and dynamic config tandem cluster uses', () => {
    const local = serverEnvironment(clusterState);
    for (const name of TEMPORAL_SERVICES) {
      const server = service(`temporal-${name}`);
      const environment = server.environment ?? {};
      const mount = (file: string) => mounts(server).find((m) => file.startsWith(`${m.target}/`));
      for (const [variable, role] of [
        ['TEMPORAL_SERVER_CONFIG_FILE_PATH', DEPLOY_FILES.serverConfig],
        ['DYNAMIC_CONFIG_FILE_PATH', DEPLOY_FILES.dynamicConfig],
      ] as const) {
        const file = environment[variable] ?? '';
        const found = mount(file);
        expect(found, `${name} mounts ${file}`).toBeDefined();
        const onHost = path.join(found!.source, file.slice(found!.target.length));
        expect(onHost, `${name}: ${variable}`).toBe(path.join(deployDir, role));
      }
      expect(local.DYNAMIC_CONFIG_FILE_PATH).toBe(path.join(deployDir, DEPLOY_FILES.dynamicConfig));
      // Both set every variable the server config reads without a default.
      expect(requiredServerVariables).toEqual(
        expect.arrayContaining(['POSTGRES_PWD', 'DYNAMIC_CONFIG_FILE_PATH']),
      );
      for (const variable of requiredServerVariables) {
        expect(environment, `${name} sets ${variable}`).toHaveProperty(variable);
        expect(local, `tandem cluster sets ${variable}`).toHaveProperty(variable);
      }
      expect(environment.NUM_HISTORY_SHARDS).toBe(local.NUM_HISTORY_SHARDS);
    }
    expect(parse(read(`deploy/temporal/${DEPLOY_FILES.dynamicConfig}`))).toMatchObject({
      'frontend.enableUpdateWorkflowExecution': [{ value: true }],
    });
  });

  it('sets up the schemas and the namespace with the scripts tandem cluster runs', () => {
    const script = (name: string) => service(name).entrypoint?.at(-1) ?? '';
    expect(path.basename(script('temporal-schema'))).toBe(DEPLOY_FILES.schemaScript);
    expect(path.basename(script('temporal-setup'))).toBe(DEPLOY_FILES.namespaceScript);
  });

  it('pins the versions tandem cluster builds', () => {
    const image = (name: string) => interpolate(service(name).image ?? '');
    for (const name of TEMPORAL_SERVICES) {
      expect(image(`temporal-${name}`)).toBe(`temporalio/server:${CLUSTER_VERSIONS.temporal}`);
    }
    expect(image('temporal-schema')).toBe(`temporalio/admin-tools:${CLUSTER_VERSIONS.temporal}`);
    expect(image('temporal-setup')).toBe(`temporalio/admin-tools:${CLUSTER_VERSIONS.temporal}`);
    expect(image('temporal-ui')).toBe(`temporalio/ui:${CLUSTER_VERSIONS.ui}`);
    expect(image('postgresql')).toBe(`postgres:${CLUSTER_VERSIONS.postgresql}`);
  });

  it('pins every image to a version', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build !== undefined) continue;
      const image = interpolate(s.image ?? '');
      // Prometheus tags its releases `v3.5.0`.
      expect(image, name).toMatch(/^[\w./-]+:v?\d[\w.-]*$/);
    }
  });
});

describe('the observability services of docker-compose.yml', () => {
  const prometheusConfig = parse(read('deploy/prometheus/prometheus.yml')) as {
    scrape_configs: {
      job_name: string;
      dns_sd_configs?: { names: string[]; port: number }[];
      static_configs?: { targets: string[] }[];
      authorization?: { credentials_file: string };
    }[];
  };
  const job = (name: string) => {
    const found = prometheusConfig.scrape_configs.find((j) => j.job_name === name);
    if (!found) throw new Error(`deploy/prometheus/prometheus.yml has no job "${name}"`);
    return found;
  };

  it("mounts Prometheus' scrape config and Grafana's provisioning and dashboard from files that exist", () => {
    for (const name of ['prometheus', 'grafana']) {
      const files = mounts(service(name));
      expect(files.length, name).toBeGreaterThan(0);
      for (const { source } of files) expect(existsSync(source), source).toBe(true);
    }
    expect(mounts(service('prometheus')).map((m) => m.target)).toContain(
      '/etc/prometheus/prometheus.yml',
    );
    const datasource = read('deploy/grafana/provisioning/datasources/prometheus.yaml');
    expect(datasource).toContain('url: http://prometheus:9090');
    const dashboard = JSON.parse(read('deploy/grafana/tandem.json')) as {
      panels: { datasource: { uid: string } }[];
    };
    // Every panel names the provisioned data source by its uid.
    const uid = /uid: (\S+)/.exec(datasource)?.[1];
    expect(new Set(dashboard.panels.map((p) => p.datasource.uid))).toEqual(new Set([uid]));
  });

  it('scrapes every worker on the port it serves by default, and the gateway with a key it is given', () => {
    const workers = job('tandem-worker').dns_sd_configs?.[0];
    expect(workers?.names).toEqual(['worker']);
    expect(`0.0.0.0:${workers?.port}`).toBe(DEFAULT_METRICS_ADDRESS);
    expect(service('worker').environment).not.toHaveProperty(METRICS_ADDRESS_ENV);
    const gateway = job('tandem-gateway');
    expect(gateway.static_configs?.[0]?.targets).toEqual([
      `gateway:${service('gateway').ports?.[0]?.split(':').at(-1)}`,
    ]);
    // The key file is written from TANDEM_API_KEYS when Prometheus starts.
    const start = service('prometheus').entrypoint?.join(' ') ?? '';
    expect(start).toContain(`> ${gateway.authorization?.credentials_file} &&`);
    expect(service('prometheus').environment?.TANDEM_API_KEYS).toBe(
      service('gateway').environment?.TANDEM_API_KEYS,
    );
  });

  it("sends the workers' and the gateway's traces to Jaeger's OTLP/HTTP port", () => {
    expect(service('jaeger').environment?.COLLECTOR_OTLP_ENABLED).toBe('true');
    for (const name of ['worker', 'gateway']) {
      expect(service(name).environment?.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe(
        'http://jaeger:4318',
      );
    }
  });
});
