import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import type { ConfigSummary } from '../../src/cli/config-check';
import { runCommand } from '../../src/host/machine';
import { DEPLOY_TOOL_VERSIONS, deployToolPaths } from '../../scripts/deploy-tools';
import { spawnTandem } from '../support/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const CHART = path.join(ROOT, 'deploy', 'helm', 'tandem');
const tools = deployToolPaths(process.env);

/** The metadata keys KEDA's `temporal` scaler reads (KEDA 2.17 to 2.22). */
const TEMPORAL_TRIGGER_KEYS = new Set([
  'endpoint',
  'endpointFromEnv',
  'namespace',
  'taskQueue',
  'queueTypes',
  'targetQueueSize',
  'activationTargetQueueSize',
  'workerDeploymentName',
  'workerDeploymentBuildId',
  'includeRunningWorkflowCount',
  'workflowTaskQueueForCount',
  'minConnectTimeout',
  'unsafeSsl',
  'tlsServerName',
  'enableTLS',
]);

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface Container {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown } }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; terminationGracePeriodSeconds?: number };
}
interface Trigger {
  type: string;
  metadata: Record<string, string>;
}

async function run(command: string, args: string[]) {
  return runCommand(command, args, { env: process.env });
}

/** `helm template` of the chart with `values` (a file in ci/, or none for the defaults). */
async function render(values?: string) {
  const result = await run(tools.helm, [
    'template',
    'shop',
    CHART,
    '--namespace',
    'tandem',
    ...(values ? ['-f', values] : []),
  ]);
  return result;
}

function objectsOf(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const podOf = (o: K8sObject) => (o.spec as { template: PodTemplate }).template;
const containerOf = (o: K8sObject) => podOf(o).spec.containers[0]!;

const valueFiles = async () =>
  (await readdir(path.join(CHART, 'ci'))).map((name) => path.join(CHART, 'ci', name));

/** Each case the tier checks: the defaults and every values file under ci/. */
const CASES = [
  'defaults',
  'postgres-values.yaml',
  'cloud-mtls-values.yaml',
  'cloud-apikey-values.yaml',
];
const fileOf = (name: string) => (name === 'defaults' ? undefined : path.join(CHART, 'ci', name));

describe('the Helm chart, checked offline', () => {
  let dir: string;
  const rendered = new Map<string, { text: string; objects: K8sObject[]; config: ConfigSummary }>();

  beforeAll(async () => {
    for (const tool of [tools.helm, tools.kubeconform, tools.scaledObjectValidator]) {
      if (!existsSync(tool))
        throw new Error(`${tool} is missing: run npm run deploy:install first`);
    }
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-chart-'));
    expect((await valueFiles()).map((file) => path.basename(file)).sort()).toEqual(
      CASES.filter((c) => c !== 'defaults').sort(),
    );
    for (const name of CASES) {
      const result = await render(fileOf(name));
      expect(result.stderr, name).toBe('');
      expect(result.exitCode, name).toBe(0);
      const objects = objectsOf(result.stdout);
      const configMap = objects.find((o) => o.kind === 'ConfigMap')!;
      const configFile = path.join(dir, `${name}.config.yaml`);
      await writeFile(configFile, configMap.data!['tandem.config.yaml']!);
      const check = await spawnTandem(['config', 'check', configFile, '--json']).exited;
      expect(check.stderr, `tandem config check of ${name}'s ConfigMap`).toBe('');
      expect(check.code).toBe(0);
      rendered.set(name, {
        text: result.stdout,
        objects,
        config: JSON.parse(check.stdout) as ConfigSummary,
      });
    }
  }, 120_000);

  const each = (test: (name: string) => Promise<void> | void) => async () => {
    for (const name of CASES) await test(name);
  };
  const objects = (name: string) => rendered.get(name)!.objects;
  const deployments = (name: string) => objects(name).filter((o) => o.kind === 'Deployment');
  const workers = (name: string) =>
    deployments(name).filter((o) => containerOf(o).args?.[0] === 'worker');

  it(
    'passes helm lint --strict with the defaults and each ci/ values file',
    each(async (name) => {
      const file = fileOf(name);
      const lint = await run(tools.helm, [
        'lint',
        '--strict',
        CHART,
        ...(file ? ['-f', file] : []),
      ]);
      expect(lint.stdout + lint.stderr, name).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(lint.exitCode, name).toBe(0);
    }),
  );

  it(
    `renders only objects kubeconform -strict accepts against Kubernetes ${DEPLOY_TOOL_VERSIONS.kubernetes}'s schemas, offline`,
    each(async (name) => {
      const file = path.join(dir, `${name}.yaml`);
      await writeFile(file, rendered.get(name)!.text);
      const result = await run(tools.kubeconform, [
        '-strict',
        '-summary',
        ...['-kubernetes-version', DEPLOY_TOOL_VERSIONS.kubernetes],
        ...['-schema-location', tools.schemaLocation],
        // Custom resources: checked against their own schemas below.
        ...['-skip', 'ScaledObject,TriggerAuthentication,ServiceMonitor'],
        file,
      ]);
      expect(result.stdout + result.stderr, name).toMatch(/Invalid: 0, Errors: 0/);
      expect(result.exitCode, name).toBe(0);
      const core = objects(name).filter(
        (o) => !['ScaledObject', 'TriggerAuthentication', 'ServiceMonitor'].includes(o.kind),
      );
      expect(result.stdout, name).toContain(`Valid: ${core.length},`);
    }),
  );

  it(
    "validates every ScaledObject and TriggerAuthentication against KEDA's schema",
    each(async (name) => {
      const validators = {
        ScaledObject: tools.scaledObjectValidator,
        TriggerAuthentication: tools.scaledObjectValidator.replace(
          'ScaledObject.js',
          'TriggerAuthentication.js',
        ),
      };
      for (const object of objects(name)) {
        const file = validators[object.kind as keyof typeof validators];
        if (file === undefined) continue;
        const { validate } = (await import(pathToFileURL(file).href)) as {
          validate: ((value: unknown) => boolean) & { errors?: unknown };
        };
        expect(validate(object) ? [] : validate.errors, `${name}: ${object.metadata.name}`).toEqual(
          [],
        );
      }
    }),
  );

  it(
    "selects each Deployment's own pods: its selector matches its pod labels and no other Deployment's",
    each((name) => {
      const all = deployments(name);
      for (const deployment of all) {
        const selector = (deployment.spec as { selector: { matchLabels: Record<string, string> } })
          .selector.matchLabels;
        const matches = (o: K8sObject) =>
          Object.entries(selector).every(([k, v]) => podOf(o).metadata.labels[k] === v);
        expect(
          all.filter(matches).map((o) => o.metadata.name),
          name,
        ).toEqual([deployment.metadata.name]);
      }
    }),
  );

  /** The task queues a worker Deployment's pods poll, from its args and the config's queues. */
  const served = (name: string, deployment: K8sObject): Set<string> => {
    const { config } = rendered.get(name)!;
    const args = containerOf(deployment).args!;
    const targets = args.includes('--targets')
      ? args[args.indexOf('--targets') + 1]!.split(',')
      : [];
    return new Set([
      ...(args.includes('--workflows') ? [config.workflowTaskQueue] : []),
      ...targets.map((t) => config.targets.find((target) => target.name === t)!.taskQueue),
    ]);
  };

  it(
    'has at most one ScaledObject per workload, each trigger naming a queue its worker polls, an explicit queue type and only known keys',
    each((name) => {
      const scaled = objects(name).filter((o) => o.kind === 'ScaledObject');
      const targetsOf = scaled.map(
        (o) => (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name,
      );
      expect(new Set(targetsOf).size, name).toBe(targetsOf.length);
      for (const object of scaled) {
        const deployment = workers(name).find(
          (d) => d.metadata.name === targetsOf[scaled.indexOf(object)],
        );
        expect(
          deployment,
          `${name}: ${object.metadata.name} scales a worker Deployment`,
        ).toBeDefined();
        const triggers = (object.spec as { triggers: Trigger[] }).triggers;
        const queues = served(name, deployment!);
        expect(triggers.map((t) => t.metadata.taskQueue).sort(), object.metadata.name).toEqual(
          [...queues].sort(),
        );
        for (const trigger of triggers) {
          expect(trigger.type).toBe('temporal');
          expect(
            Object.keys(trigger.metadata).filter((k) => !TEMPORAL_TRIGGER_KEYS.has(k)),
          ).toEqual([]);
          const isWorkflowQueue =
            trigger.metadata.taskQueue === rendered.get(name)!.config.workflowTaskQueue;
          expect(trigger.metadata.queueTypes).toMatch(
            isWorkflowQueue ? /^workflow(,activity)?$/ : /^activity$/,
          );
          expect(trigger.metadata.workerDeploymentBuildId).toBe(
            podOf(deployment!).metadata.labels['tandem.dev/build-id'],
          );
        }
      }
    }),
  );

  it(
    "serves every target's task queue, as tandem config check names it, by exactly one worker Deployment per version, named by its trigger",
    each((name) => {
      const { config } = rendered.get(name)!;
      const scaled = objects(name).filter((o) => o.kind === 'ScaledObject');
      const versions = new Set(
        workers(name).map((d) => podOf(d).metadata.labels['tandem.dev/build-id']),
      );
      for (const version of versions) {
        const ofVersion = workers(name).filter(
          (d) => podOf(d).metadata.labels['tandem.dev/build-id'] === version,
        );
        for (const target of config.targets) {
          const serving = ofVersion.filter((d) => served(name, d).has(target.taskQueue));
          expect(
            serving.map((d) => d.metadata.name),
            `${name}: ${target.name} (${version})`,
          ).toHaveLength(1);
          if (scaled.length === 0) continue;
          const trigger = scaled.find(
            (o) =>
              (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name ===
              serving[0]!.metadata.name,
          )!;
          expect(
            (trigger.spec as { triggers: Trigger[] }).triggers.map((t) => t.metadata.taskQueue),
          ).toContain(target.taskQueue);
        }
      }
    }),
  );

  it(
    "keeps secrets out of every ConfigMap: each ${VAR} of the config comes from a Secret in every pod's env",
    each((name) => {
      const all = objects(name);
      expect(
        all.filter((o) => o.kind === 'Secret'),
        name,
      ).toEqual([]);
      const text = all
        .filter((o) => o.kind === 'ConfigMap')
        .map((o) => Object.values(o.data ?? {}).join('\n'))
        .join('\n');
      const variables = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map(([, v]) => v!);
      for (const deployment of deployments(name)) {
        const fromSecrets = new Set(
          (containerOf(deployment).env ?? [])
            .filter((e) => e.valueFrom?.secretKeyRef !== undefined)
            .map((e) => e.name),
        );
        expect(
          variables.filter((v) => !fromSecrets.has(v)),
          deployment.metadata.name,
        ).toEqual([]);
        // No plain value in the pod spec stands for a secret either.
        expect(
          (containerOf(deployment).env ?? []).filter((e) => variables.includes(e.name) && e.value),
        ).toEqual([]);
      }
    }),
  );

  it(
    "gives every pod longer to stop than a worker's shutdown grace",
    each((name) => {
      const { config } = rendered.get(name)!;
      for (const deployment of deployments(name)) {
        expect(
          podOf(deployment).spec.terminationGracePeriodSeconds,
          deployment.metadata.name,
        ).toBeGreaterThan(config.shutdownGraceSeconds);
      }
    }),
  );

  it("writes workers.tuner or workers.slots into the ConfigMap's worker section, never both", async () => {
    const workerOf = (configMap: K8sObject) =>
      (parseDocument(configMap.data!['tandem.config.yaml']!).toJS() as { worker?: unknown }).worker;
    const configMapOf = (name: string) => objects(name).find((o) => o.kind === 'ConfigMap')!;
    expect(workerOf(configMapOf('postgres-values.yaml'))).toEqual({
      cachedRuns: 2000,
      tuner: { targetCpu: 0.8, targetMemory: 0.8 },
    });
    expect(workerOf(configMapOf('defaults'))).toBeUndefined();

    const slots = path.join(dir, 'slots-values.yaml');
    await writeFile(slots, 'workers:\n  slots: { perTarget: 20, workflowTasks: 10 }\n');
    const fixed = await render(slots);
    expect(fixed.stderr).toBe('');
    expect(workerOf(objectsOf(fixed.stdout).find((o) => o.kind === 'ConfigMap')!)).toEqual({
      slots: { perTarget: 20, workflowTasks: 10 },
    });

    const both = path.join(dir, 'both-values.yaml');
    await writeFile(both, `${await readFile(slots, 'utf8')}  tuner: { targetCpu: 0.8 }\n`);
    const refused = await render(both);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/workers\.slots and workers\.tuner .*set one/);
  });

  it('refuses a values file with a string where a number goes, naming the value', async () => {
    const bad = path.join(dir, 'bad-values.yaml');
    await writeFile(bad, 'workers:\n  workflows:\n    maxReplicas: ten\n');

    const result = await render(bad);

    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(
      /workers\.workflows\.maxReplicas|\/workers\/workflows\/maxReplicas/,
    );
    expect(result.stderr).toMatch(/integer/);
  });
});
