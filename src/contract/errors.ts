import type { ErrorCode } from './error-codes';
import { MAX_ISSUES_LISTED } from './limits';

/**
 * Every error Tandem raises on the Node side, each with a literal `name`, a stable `code` and
 * its data in readonly fields. Ways in translate these into exit codes and problem+json by
 * looking the code up in `ERROR_CODES`. An operator action's errors are in `action-errors.ts`;
 * the dev tools' errors (Temporal CLI, browser) extend the same base in `src/host/errors.ts`.
 */
export abstract class TandemError extends Error {
  abstract override readonly name: string;
  abstract readonly code: ErrorCode;
}

/** One bad field of a request: where it is (dotted, `targets.1`; empty for the whole) and why. */
export type Issue = { path: string; detail: string };

/**
 * The first {@link MAX_ISSUES_LISTED} of `items`, and how many are left out (`omitted` more were
 * left out before): every list of issues an answer carries is cut the same way.
 */
export function capped<T>(items: readonly T[], omitted = 0): { listed: T[]; omitted: number } {
  const listed = items.slice(0, MAX_ISSUES_LISTED);
  return { listed, omitted: omitted + items.length - listed.length };
}

/** `; …and N more` after a list of issues that left N out; empty when none were. */
export function andMore(omitted: number): string {
  return omitted > 0 ? `; …and ${omitted} more` : '';
}

/** The config file is missing, unreadable or invalid. `issues` lists every problem found. */
export class ConfigError extends TandemError {
  override readonly name = 'ConfigError';
  readonly code = 'TANDEM_CONFIG_INVALID';
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `Invalid config ${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((issue) => `  - ${issue}`).join('\n') +
        '\nFix these and start again; nothing was started.',
      options,
    );
  }
}

/**
 * Why a template cannot be rendered: a field the leg does not have (`missing`), a URL path
 * segment rendered as `.`, `..` or `""` (`unsafe-segment`), which would name another resource, or
 * a value with a lone UTF-16 surrogate, which has no percent-encoding (`unencodable`).
 */
export type TemplateProblem =
  { kind: 'missing' } | { kind: 'unsafe-segment'; segment: string } | { kind: 'unencodable' };

const TEMPLATE_CODES = {
  missing: 'TANDEM_TEMPLATE_FIELD_MISSING',
  'unsafe-segment': 'TANDEM_TEMPLATE_UNSAFE_SEGMENT',
  unencodable: 'TANDEM_TEMPLATE_UNENCODABLE',
} as const;

/**
 * A template (`{{response.body.id}}`) cannot be rendered for this leg (see
 * {@link TemplateProblem}); rendering it again cannot succeed. `field` names the field (or the
 * fields, joined by ` and `, rendered into one path segment); `template` is the template as
 * written in the config: secrets in it stay in their `${VAR}` form.
 */
export class TemplateError extends TandemError {
  override readonly name = 'TemplateError';
  readonly code: (typeof TEMPLATE_CODES)[TemplateProblem['kind']];
  /** The rendered path segment, for `unsafe-segment`. */
  readonly segment?: string;
  constructor(
    readonly field: string,
    readonly template: string,
    problem: TemplateProblem = { kind: 'missing' },
  ) {
    const what =
      problem.kind === 'missing'
        ? `needs ${field}, which this leg does not have`
        : problem.kind === 'unsafe-segment'
          ? `renders ${field} as ${JSON.stringify(problem.segment)}, which cannot be a URL path ` +
            'segment (it would name another resource)'
          : `renders ${field} as text with a lone UTF-16 surrogate, which cannot be ` +
            'percent-encoded into a URL';
    super(
      `Template "${template}" ${what}. ` +
        `Change the target's compensate template, or undo this leg by hand and resolve the delivery.`,
    );
    this.code = TEMPLATE_CODES[problem.kind];
    if (problem.kind === 'unsafe-segment') this.segment = problem.segment;
  }
}

/** A delivery names targets that the config does not declare. `issues` names each by place. */
export class UnknownTargetError extends TandemError {
  override readonly name = 'UnknownTargetError';
  readonly code = 'TANDEM_UNKNOWN_TARGET';
  constructor(
    readonly unknown: readonly string[],
    readonly known: readonly string[],
    readonly issues: readonly Issue[] = [],
  ) {
    super(
      `Unknown target${unknown.length === 1 ? '' : 's'} ${unknown.map((t) => `"${t}"`).join(', ')}; ` +
        `the config declares ${known.map((t) => `"${t}"`).join(', ') || 'none'}.`,
    );
  }
}

/**
 * `tandem worker --targets` names a target the config does not declare (`unknown`), or one with
 * `bulkhead: false` (`shared`), whose attempts run in the workflow worker (`--workflows`).
 */
export class WorkerPartsError extends TandemError {
  override readonly name = 'WorkerPartsError';
  readonly code = 'TANDEM_WORKER_PARTS';
  constructor(
    readonly unknown: readonly string[],
    readonly shared: readonly string[],
    readonly known: readonly string[],
  ) {
    const quoted = (names: readonly string[]) => names.map((t) => `"${t}"`).join(', ');
    super(
      [
        unknown.length > 0 &&
          `--targets: unknown target${unknown.length === 1 ? '' : 's'} ${quoted(unknown)}; the config declares ${quoted(known) || 'none'}`,
        shared.length > 0 &&
          `--targets: ${quoted(shared)} ${shared.length === 1 ? 'has' : 'have'} bulkhead: false, so ${shared.length === 1 ? 'its' : 'their'} attempts run in the workflow worker: run that with --workflows`,
      ]
        .filter(Boolean)
        .join('; ') + '. Nothing was started.',
    );
  }
}

/**
 * A delivery request is malformed. `issues` names every bad field, up to
 * {@link MAX_ISSUES_LISTED}; `issuesOmitted` counts the rest.
 */
export class InvalidDeliveryError extends TandemError {
  override readonly name = 'InvalidDeliveryError';
  readonly code = 'TANDEM_INVALID_DELIVERY';
  readonly issues: readonly Issue[];
  readonly issuesOmitted: number;
  /** `omitted`: how many issues were left out of `issues` already. */
  constructor(issues: readonly Issue[], omitted = 0) {
    const { listed, omitted: left } = capped(issues, omitted);
    super(
      `Invalid delivery: ${listed.map((i) => (i.path ? `${i.path}: ${i.detail}` : i.detail)).join('; ')}` +
        andMore(left),
    );
    this.issues = listed;
    this.issuesOmitted = left;
  }
}

/** A delivery's payload, serialized as JSON, is larger than `limits.payload`. */
export class PayloadTooLargeError extends TandemError {
  override readonly name = 'PayloadTooLargeError';
  readonly code = 'TANDEM_PAYLOAD_TOO_LARGE';
  constructor(
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `The payload is ${bytes} bytes as JSON, over the limit of ${limitBytes} bytes ` +
        '(limits.payload); send a smaller payload, or a reference to where the data is kept.',
    );
  }
}

/** No delivery with this id has been started. */
export class DeliveryNotFoundError extends TandemError {
  override readonly name = 'DeliveryNotFoundError';
  readonly code = 'TANDEM_DELIVERY_NOT_FOUND';
  constructor(
    readonly deliveryId: string,
    options?: ErrorOptions,
  ) {
    super(`No delivery "${deliveryId}" was found.`, options);
  }
}

/** A delivery with this id was started before with other targets or another payload. */
export class DeliveryConflictError extends TandemError {
  override readonly name = 'DeliveryConflictError';
  readonly code = 'TANDEM_DELIVERY_CONFLICT';
  constructor(readonly deliveryId: string) {
    super(
      `Delivery "${deliveryId}" was already started with other targets or another payload; ` +
        'use a new id for a new delivery.',
    );
  }
}

/**
 * Temporal could not be reached, did not answer in time, or refused the call for a reason of
 * its own (overloaded, not permitted…). Nothing was changed by the call; retrying is safe.
 */
export class TemporalUnavailableError extends TandemError {
  override readonly name = 'TemporalUnavailableError';
  readonly code = 'TANDEM_TEMPORAL_UNAVAILABLE';
  constructor(
    readonly address: string,
    readonly why: string, // e.g. `no answer within 5000ms`, or gRPC's `RESOURCE_EXHAUSTED: …`
    options?: ErrorOptions,
  ) {
    super(
      `cannot reach Temporal at ${address}: ${why}; start it (npm start runs a dev server) or ` +
        'fix temporal.address in the config, then retry (the same delivery id never sends twice)',
      options,
    );
  }
}

/** No worker answered a call that needs one (an operator action) within its deadline. */
export class WorkerUnavailableError extends TandemError {
  override readonly name = 'WorkerUnavailableError';
  readonly code = 'TANDEM_WORKER_UNAVAILABLE';
  constructor(
    readonly deliveryId: string,
    readonly taskQueue: string,
    readonly waitedMs: number,
    address: string,
    options?: ErrorOptions,
  ) {
    const waited = `${Math.round(waitedMs / 1000)}s`;
    const worker = `a worker (tandem worker) running for task queue "${taskQueue}" on ${address}`;
    super(
      `no worker answered for delivery "${deliveryId}" within ${waited}: is ${worker}?`,
      options,
    );
  }
}

/** A list was asked to continue from a page token Temporal does not recognise. */
export class InvalidPageTokenError extends TandemError {
  override readonly name = 'InvalidPageTokenError';
  readonly code = 'TANDEM_INVALID_PAGE_TOKEN';
  constructor(options?: ErrorOptions) {
    super('The page token is not one this list gave out; start from the first page.', options);
  }
}

/** A wait for a delivery's state gave up; the delivery goes on. */
export class TimedOutError extends TandemError {
  override readonly name = 'TimedOutError';
  readonly code = 'TANDEM_TIMED_OUT';
}

/** The payload given to `tandem deliver` cannot be read or is not JSON. */
export class PayloadFileError extends TandemError {
  override readonly name = 'PayloadFileError';
  readonly code = 'TANDEM_PAYLOAD_INVALID';
  constructor(
    readonly source: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** `deliver --wait` saw the delivery end (or park) without completing. */
export class DeliveryNotCompletedError extends TandemError {
  override readonly name = 'DeliveryNotCompletedError';
  readonly code = 'TANDEM_DELIVERY_NOT_COMPLETED';
  constructor(
    readonly deliveryId: string,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

/** The gateway's API keys are unusable, or missing where they are required. */
export class GatewaySetupError extends TandemError {
  override readonly name = 'GatewaySetupError';
  readonly code = 'TANDEM_GATEWAY_SETUP';
}

/** The log settings are unusable (an unknown `TANDEM_LOG_LEVEL`): the process starts nothing. */
export class LogSetupError extends TandemError {
  override readonly name = 'LogSetupError';
  readonly code = 'TANDEM_LOG_SETUP';
}

/**
 * The namespace lacks search attributes Tandem's runs write: a run would stall at its first
 * write of one, so no worker starts. `missing` names each with its Temporal type.
 */
export class NamespaceSetupError extends TandemError {
  override readonly name = 'NamespaceSetupError';
  readonly code = 'TANDEM_NAMESPACE_SETUP';
  constructor(
    readonly namespace: string,
    readonly missing: readonly { name: string; type: string }[],
  ) {
    super(
      `Namespace ${namespace} lacks Tandem's search attributes ` +
        `${missing.map((m) => `${m.name} (${m.type})`).join(', ')}; no worker was started. ` +
        'Register them once per namespace (`tandem setup` with this config does), then start again; by hand:\n' +
        missing
          .map(
            (m) =>
              `  temporal operator search-attribute create --namespace ${namespace} --name ${m.name} --type ${m.type}`,
          )
          .join('\n'),
    );
  }
}
