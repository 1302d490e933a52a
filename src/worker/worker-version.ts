import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { ConfigError, TandemError } from '../contract/errors';
import type { PolledQueue } from '../contract/task-queues';

/**
 * When a worker makes its own version the deployment's current one: `if-none` only when the
 * deployment has no current version yet (a first deploy, a fresh server), `always` when told to
 * (`tandem worker --promote`, `tandem dev`).
 */
export const PromotePolicy = { ifNone: 'if-none', always: 'always' } as const;
/** One of {@link PromotePolicy}. */
export type PromotePolicy = (typeof PromotePolicy)[keyof typeof PromotePolicy];

/** Where a worker's version stands in its deployment once its workers poll. */
export interface VersionStanding {
  /** The version these workers serve. */
  readonly serving: WorkerDeploymentVersion;
  /** The version new deliveries start on; `undefined` when none is current. */
  readonly current: WorkerDeploymentVersion | undefined;
  /** Whether this call made {@link serving} current. */
  readonly promoted: boolean;
}

/** Characters of the workflow bundle's SHA-256 a derived build id keeps. */
const BUILD_ID_HEX_CHARS = 12;

/**
 * The build id of a workflow bundle: the start of its SHA-256. The same code gives the same id
 * on every replica (the bundle holds no paths of the machine that built it), and any change to
 * the workflow code gives a new one, so a change ships as a new deployment version by itself.
 */
export function buildIdOf(bundleCode: string): string {
  return createHash('sha256').update(bundleCode).digest('hex').slice(0, BUILD_ID_HEX_CHARS);
}

/** A build id given by hand (`TANDEM_BUILD_ID`): what Temporal accepts, and shell-safe. */
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * Parses a build id given by hand; `source` names where it came from (`TANDEM_BUILD_ID`).
 * Throws a {@link ConfigError} before any worker starts.
 */
export function parseBuildId(value: string, source: string): string {
  if (BUILD_ID.test(value)) return value;
  throw new ConfigError(source, [
    `${source}: must be 1 to 200 letters, digits, ".", "-" and "_", starting with a letter or digit (e.g. a release tag or commit)`,
  ]);
}

/** `deploymentName.buildId`, as the Temporal CLI and UI show a version. */
export function versionName(version: WorkerDeploymentVersion): string {
  return `${version.deploymentName}.${version.buildId}`;
}

/** The Temporal CLI command that makes `version` current. */
export function promoteCommand(
  version: WorkerDeploymentVersion,
  where: { address: string; namespace: string },
): string {
  return (
    `temporal worker deployment set-current-version --address ${where.address} ` +
    `--namespace ${where.namespace} --deployment-name ${version.deploymentName} ` +
    `--build-id ${version.buildId} --yes`
  );
}

/**
 * A worker's version could not be made current, or never showed up in its deployment. The
 * message says what the server answered and what to do.
 */
export class WorkerVersionError extends TandemError {
  override readonly name = 'WorkerVersionError';
  readonly code = 'TANDEM_WORKER_VERSION';
  constructor(
    readonly version: WorkerDeploymentVersion,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** How long a version may take to show up in its deployment once its workers poll. */
const REGISTRATION_TIMEOUT_MS = 30_000;
const REGISTRATION_POLL_MS = 100;
/** Attempts at promoting when another worker changes the deployment at the same moment. */
const PROMOTE_ATTEMPTS = 5;

/** Options of {@link settleVersion}. */
export interface SettleVersionOptions {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly version: WorkerDeploymentVersion;
  /** Every queue this process's workers poll: the version must hold them all before promotion. */
  readonly queues: readonly PolledQueue[];
  readonly policy: PromotePolicy;
  /** Aborted when the workers stop: the wait ends with them. */
  readonly signal: AbortSignal;
}

/** The gRPC statuses the deployment calls answer with that this module acts on. */
const GRPC_NOT_FOUND = 5;
const GRPC_FAILED_PRECONDITION = 9;

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** `temporal.api.enums.v1.TaskQueueType`, as the deployment calls answer it. */
const QUEUE_TYPE = { workflow: 1, activity: 2 } as const;

/**
 * Waits until the server knows `version` with every queue its workers poll (a version comes
 * into being at its workers' first poll), then makes it current as `policy` says, and reports
 * where it stands. A change made by another worker at the same moment (a replica of the same
 * build promoting too) is read again rather than overwritten blindly.
 */
export async function settleVersion(options: SettleVersionOptions): Promise<VersionStanding> {
  try {
    return await settle(options);
  } catch (error) {
    if (error instanceof TandemError) throw error;
    throw new WorkerVersionError(
      options.version,
      `Could not read or change deployment "${options.version.deploymentName}" on Temporal: ` +
        `${(error as Error).message}. Check that the server is reachable and runs 1.28 or later.`,
      { cause: error },
    );
  }
}

async function settle(options: SettleVersionOptions): Promise<VersionStanding> {
  const { connection, namespace, version, policy, signal } = options;
  const service = connection.workflowService;
  await registered(options);
  // A refusal is retried only when the deployment changed meanwhile (another worker raced).
  let refused: { token: Uint8Array; error: unknown } | undefined;
  for (let attempt = 1; ; attempt++) {
    const { conflictToken, workerDeploymentInfo } = await service.describeWorkerDeployment({
      namespace,
      deploymentName: version.deploymentName,
    });
    const currentBuild = workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId;
    const current = currentBuild
      ? { deploymentName: version.deploymentName, buildId: currentBuild }
      : undefined;
    if (current?.buildId === version.buildId) return { serving: version, current, promoted: false };
    if (current !== undefined && policy === PromotePolicy.ifNone) {
      return { serving: version, current, promoted: false };
    }
    if (
      refused &&
      (Buffer.from(refused.token).equals(conflictToken) || attempt > PROMOTE_ATTEMPTS)
    ) {
      throw promotionRefused(version, refused.error);
    }
    signal.throwIfAborted();
    try {
      await service.setWorkerDeploymentCurrentVersion({
        namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        conflictToken,
        identity: `${process.pid}@${hostname()}`,
      });
      return { serving: version, current: version, promoted: true };
    } catch (error) {
      if (grpcCode(error) !== GRPC_FAILED_PRECONDITION) throw promotionRefused(version, error);
      refused = { token: conflictToken, error };
    }
  }
}

function promotionRefused(version: WorkerDeploymentVersion, error: unknown): WorkerVersionError {
  return new WorkerVersionError(
    version,
    `Could not make ${versionName(version)} the current version of deployment ` +
      `"${version.deploymentName}": ${(error as Error).message}. Its workers keep serving the ` +
      'runs pinned to it. Promote it by hand once the cause is fixed; when the current version ' +
      'polls a task queue this one no longer needs (a target removed), pass ' +
      '--ignore-missing-task-queues to set-current-version.',
    { cause: error },
  );
}

/** Resolves once the server lists every queue of `version`; see {@link settleVersion}. */
async function registered(options: SettleVersionOptions): Promise<void> {
  const { connection, namespace, version, queues, signal } = options;
  const deadline = Date.now() + REGISTRATION_TIMEOUT_MS;
  let missing = queues;
  for (;;) {
    signal.throwIfAborted();
    try {
      const { workerDeploymentVersionInfo } =
        await connection.workflowService.describeWorkerDeploymentVersion({
          namespace,
          deploymentVersion: version,
        });
      const known = new Set(
        (workerDeploymentVersionInfo?.taskQueueInfos ?? []).map((q) => `${q.name} ${q.type}`),
      );
      missing = queues.filter((q) => !known.has(`${q.name} ${QUEUE_TYPE[q.type]}`));
      if (missing.length === 0) return;
    } catch (error) {
      // Not found: no poll of this version has reached the server yet.
      if (grpcCode(error) !== GRPC_NOT_FOUND) throw error;
    }
    if (Date.now() > deadline) {
      throw new WorkerVersionError(
        version,
        `Worker version ${versionName(version)} did not show up in its deployment within ` +
          `${REGISTRATION_TIMEOUT_MS / 1000} s (missing: ${missing.map((q) => `${q.name} (${q.type})`).join(', ')}). ` +
          'Worker Versioning needs a Temporal server 1.28 or later with ' +
          'system.enableDeploymentVersions on (deploy/temporal/dynamicconfig.yaml); check the ' +
          "workers' log for poll errors.",
      );
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, REGISTRATION_POLL_MS);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
