/**
 * Errors raised on the Node side of Tandem (config, client, activities). Each has a literal
 * `name` and a stable `code` so callers can branch without parsing messages, and keeps the
 * data it is about in readonly fields.
 */
export abstract class TandemError extends Error {
  abstract override readonly name: string;
  abstract readonly code: string;
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

/** A template (`{{response.body.id}}`) names a field the leg does not have. */
export class TemplateError extends TandemError {
  override readonly name = 'TemplateError';
  readonly code = 'TANDEM_TEMPLATE_FIELD_MISSING';
  constructor(
    readonly field: string,
    readonly template: string,
  ) {
    super(
      `Template "${template}" needs ${field}, which this leg does not have. ` +
        `Change the target's compensate template, or undo this leg by hand and resolve the delivery.`,
    );
  }
}

/** A delivery names targets that the config does not declare. */
export class UnknownTargetError extends TandemError {
  override readonly name = 'UnknownTargetError';
  readonly code = 'TANDEM_UNKNOWN_TARGET';
  constructor(
    readonly unknown: readonly string[],
    readonly known: readonly string[],
  ) {
    super(
      `Unknown target${unknown.length === 1 ? '' : 's'} ${unknown.map((t) => `"${t}"`).join(', ')}; ` +
        `the config declares ${known.map((t) => `"${t}"`).join(', ') || 'none'}.`,
    );
  }
}

/** A delivery request is malformed. `issues` names every bad field. */
export class InvalidDeliveryError extends TandemError {
  override readonly name = 'InvalidDeliveryError';
  readonly code = 'TANDEM_INVALID_DELIVERY';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid delivery: ${issues.join('; ')}`);
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

/** The delivery refused an operator's action (e.g. `retry` on a delivery that is not parked). */
export class DeliveryActionRefusedError extends TandemError {
  override readonly name = 'DeliveryActionRefusedError';
  readonly code = 'TANDEM_ACTION_REFUSED';
  constructor(
    readonly deliveryId: string,
    readonly action: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
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
