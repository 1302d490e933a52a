import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../contract/duration';
import { EXIT_CODES_HELP } from './exit-codes';

/** What `tandem --help` says after the verbs. */
export const MAIN_HELP = `
Every verb but dev reads the config file named by TANDEM_CONFIG (default
./tandem.config.yaml): the Temporal address, namespace and task queue, and the targets.
A delivery with id ID is the Temporal workflow delivery-ID: the Temporal UI and the
temporal CLI show it too. Read commands (status, list, deliver --wait) print a table,
or JSON with --json. A failure prints one line "tandem: <reason>" on stderr.

Examples:
  $ npm start                                  # = tandem dev: server, UI, worker, demo APIs
  $ tandem deliver --id order-1042 --targets inventory,shipping --payload @order.json
  $ tandem status order-1042
  $ tandem list --status needs_attention
  $ tandem retry order-1042
  $ tandem resolve order-1042 --note "released reservation res_12 by hand"
  $ tandem pause order-1042 --leg shipping --note "maintenance until 06:00"
  $ tandem retry-now order-1042 --leg shipping
  $ tandem cancel order-1042 --reason "customer withdrew the order"

Environment:
  TANDEM_CONFIG  path of the config file (default: tandem.config.yaml)
  TANDEM_DEBUG   set to 1 to print the stack of an unexpected error after its line

${EXIT_CODES_HELP}

Runbook (finding stuck deliveries, retry vs resolve vs cancel): docs/operations.md.`;

/**
 * What each operator action's help says of tracing: its output is not a log, but the action is
 * traced when the standard variables ask for it (docs/observability.md).
 */
export const ACTION_TRACING_HELP = `
Tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set (and the other standard OTEL_*
variables), the action is one "tandem.action" span, linked to the trace the
delivery was started in and sent before the command exits. See
docs/observability.md.`;

/** A verb's examples, for its help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

/** `--targets a,b`. */
export function targetList(value: string): string[] {
  const targets = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (targets.length === 0)
    throw new InvalidArgumentError('Name at least one target, e.g. inventory,shipping.');
  return targets;
}

/** `--timeout 10m`. */
export function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError('Give a duration like 30s, 10m or 1h.');
  }
  return ms;
}

/** `--limit 20`. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError('Give a whole number above 0.');
  return n;
}

/** `--port 7233`. */
export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InvalidArgumentError('Give a port number from 1 to 65535.');
  }
  return n;
}

/**
 * The version in the project's package.json, read when asked: two folders up from this module
 * both in the sources (`src/cli`, run by tsx) and in the build (`dist/cli`).
 */
export function packageVersion(): string {
  const file = path.join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
