import type { Logger as SdkLogger, LogLevel as SdkLogLevel, LogMetadata } from '@temporalio/common';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { deliveryIdOf, workflowIdFor } from '../contract/contracts';
import { LogSetupError } from '../contract/errors';
import { currentTraceIds } from './trace-ids';

/** The environment variable that sets every Tandem process's log level. */
export const LOG_LEVEL_ENV = 'TANDEM_LOG_LEVEL';

/** The levels {@link LOG_LEVEL_ENV} takes, quietest last (`silent` logs nothing). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The names every log line about a delivery uses, one spelling everywhere (snake case, as the
 * OpenTelemetry log data model writes `trace_id`), so one query finds all lines of a delivery.
 */
export const LOG_FIELDS = {
  deliveryId: 'delivery_id',
  target: 'target',
  attempt: 'attempt',
  traceId: 'trace_id',
  spanId: 'span_id',
} as const;

/** Where a process's log lines go and how they look. */
export interface LoggerOptions {
  /** The level; default from {@link LOG_LEVEL_ENV}, else `fallbackLevel`. */
  env: Readonly<Record<string, string | undefined>>;
  /** The level when {@link LOG_LEVEL_ENV} is unset; default `info`. */
  fallbackLevel?: LogLevel;
  /**
   * Where the lines go: `stdout` for servers (worker, gateway), `stderr` for one-shot commands
   * (their stdout is the command's answer), or a stream (`tandem dev`'s pretty lines, tests).
   */
  destination: 'stdout' | 'stderr' | DestinationStream;
}

/**
 * The level {@link LOG_LEVEL_ENV} names, or `fallback` when it is unset. An unknown level is a
 * {@link LogSetupError}: a process that would log at a level nobody asked for starts nothing.
 */
export function logLevelFrom(
  env: Readonly<Record<string, string | undefined>>,
  fallback: LogLevel = 'info',
): LogLevel {
  const given = env[LOG_LEVEL_ENV]?.trim().toLowerCase();
  if (given === undefined || given === '') return fallback;
  if (!(LOG_LEVELS as readonly string[]).includes(given)) {
    throw new LogSetupError(
      `${LOG_LEVEL_ENV}=${env[LOG_LEVEL_ENV]} is not a log level: use one of ${LOG_LEVELS.join(', ')}.`,
    );
  }
  return given as LogLevel;
}

/** The active span's ids, when a span is active and valid (tracing on). */
export function activeTraceFields(): Record<string, string> {
  const ids = currentTraceIds();
  return ids === undefined
    ? {}
    : { [LOG_FIELDS.traceId]: ids.traceId, [LOG_FIELDS.spanId]: ids.spanId };
}

/**
 * Header values are never logged (a target's headers hold its secrets), wherever an object
 * with headers is passed. This is a second line: no Tandem code logs headers, bodies or
 * rendered URLs in the first place.
 */
const REDACTED_PATHS = [
  'headers',
  '*.headers',
  'req.headers',
  'res.headers',
  'authorization',
  '*.authorization',
];

/**
 * One process's logger: JSON lines (pino) with an ISO time, the level as a word, and the active
 * span's `trace_id`/`span_id` on every line logged inside a span.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = logLevelFrom(options.env, options.fallbackLevel);
  const destination =
    typeof options.destination === 'object'
      ? options.destination
      : pino.destination({ dest: options.destination === 'stdout' ? 1 : 2, sync: true });
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Fields the line already carries (the SDK's, captured where the span was active) win.
      mixin: activeTraceFields,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination,
  );
}

const SDK_LEVELS: Record<SdkLogLevel, Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK's level for a pino level: what Core should bother to send at all. */
export function sdkLevelOf(level: string): SdkLogLevel {
  const entry = Object.entries(SDK_LEVELS).find(([, pinoLevel]) => pinoLevel === level);
  return entry === undefined ? 'ERROR' : (entry[0] as SdkLogLevel);
}

/**
 * The fields of a line the SDK logs: its metadata, plus the delivery id of the run it is about,
 * and Core's Rust module (`target` in Core's own lines) renamed so it is never taken for the
 * delivery's target. Symbol keys (the SDK's timestamps) and activity task tokens are left out.
 */
function fieldsOf(meta: LogMetadata | undefined): Record<string, unknown> {
  if (meta === undefined) return {};
  const fields: Record<string, unknown> = { ...meta };
  // It completes the activity for whoever holds it, and says nothing a reader needs.
  delete fields.taskToken;
  if (fields.sdkComponent === 'core' && 'target' in fields) {
    fields.module = fields.target;
    delete fields.target;
  }
  const workflowId = fields.workflowId;
  if (
    typeof workflowId === 'string' &&
    fields[LOG_FIELDS.deliveryId] === undefined &&
    workflowIdFor(deliveryIdOf(workflowId)) === workflowId &&
    deliveryIdOf(workflowId) !== workflowId
  ) {
    fields[LOG_FIELDS.deliveryId] = deliveryIdOf(workflowId);
  }
  return fields;
}

/**
 * The Temporal SDK's `Logger` over a pino logger: the Runtime's lines (worker, Core, workflow
 * `log`, activity `Context.current().log`) become the process's JSON lines. `drop` names
 * messages not worth a line where the product already tells them (`tandem dev`).
 */
export class SdkLogAdapter implements SdkLogger {
  constructor(
    private readonly logger: Logger,
    private readonly drop: ReadonlySet<string> = new Set(),
  ) {}

  log(level: SdkLogLevel, message: string, meta?: LogMetadata): void {
    if (this.drop.has(message)) return;
    this.logger[SDK_LEVELS[level]](fieldsOf(meta), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
