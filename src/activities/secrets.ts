import { ApplicationFailure } from '@temporalio/activity';
import type { HttpAnswer } from '../contract/contracts';
import { FailureType, type AttemptFailureDetails } from '../contract/failures';
import type { SecretResolver } from '../contract/template';

const SECRET = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Shorter values are not scrubbed from text: they would garble ordinary words and numbers. */
const SHORTEST_SCRUBBED = 4;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves `${VAR}` from the worker's environment. Runs inside the activity only, so secrets
 * never enter workflow history. An unset variable fails the leg for good: retrying cannot help
 * until the worker is redeployed.
 */
export function secretsFrom(env: Env): SecretResolver {
  return (name) => {
    const value = env[name];
    if (value === undefined) {
      throw ApplicationFailure.create({
        type: FailureType.WorkerConfig,
        message: `The worker's environment has no ${name}, which the config uses as \${${name}}; set it and restart the worker.`,
        nonRetryable: true,
        details: [{ outcome: 'not_sent' } satisfies AttemptFailureDetails],
      });
    }
    return value;
  };
}

/** Replaces the `${VAR}` secrets of `text` (one that holds no `{{…}}` placeholders). */
export function resolveSecrets(text: string, secret: SecretResolver): string {
  return text.replace(SECRET, (_, name: string) => secret(name));
}

/** {@link resolveSecrets} over every value of a header map, by lower-case name. */
export function resolveHeaderSecrets(
  headers: Readonly<Record<string, string>>,
  env: Env,
): Record<string, string> {
  const secret = secretsFrom(env);
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name.toLowerCase(),
      resolveSecrets(value, secret),
    ]),
  );
}

/** Every `${VAR}` named anywhere in `value` (strings, arrays, objects). */
function secretNames(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(SECRET)].map((m) => m[1] ?? '');
  if (Array.isArray(value)) return value.flatMap(secretNames);
  if (value && typeof value === 'object') return Object.values(value).flatMap(secretNames);
  return [];
}

/**
 * A scrubber for outgoing messages: every value (raw or percent-encoded) of a secret that
 * `config` names becomes its `${VAR}` form again. Messages are built from template forms in
 * the first place; this catches what a target echoes back or a library quotes.
 */
export function secretScrubber(config: unknown, env: Env): (text: string) => string {
  const pairs = new Map<string, string>();
  for (const name of new Set(secretNames(config))) {
    const value = env[name];
    if (value === undefined || value.length < SHORTEST_SCRUBBED) continue;
    for (const form of [value, encodeURIComponent(value), encodeURI(value)]) {
      pairs.set(form, `\${${name}}`);
    }
  }
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...pairs].sort(([a], [b]) => b.length - a.length);
  return (text) => ordered.reduce((out, [value, shown]) => out.split(value).join(shown), text);
}

/** `value` with `scrub` applied to every string, object key and number (as its text) in it. */
function scrubValue(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (typeof value === 'number') {
    // A secret of digits echoed as a JSON number: kept as the scrubbed text instead.
    const text = String(value);
    const scrubbed = scrub(text);
    return scrubbed === text ? value : scrubbed;
  }
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrub));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines each field: a `__proto__` key stays a plain field.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [scrub(key), scrubValue(item, scrub)]),
    );
  }
  return value;
}

/**
 * A kept answer with every secret the target echoed back (in its body or headers) replaced by
 * `scrub`: the answer goes into history, the memo and compensation templates, which must hold
 * no secret. Its keys are scrubbed too, and so are the paths of its exact numbers.
 */
export function scrubAnswer(answer: HttpAnswer, scrub: (text: string) => string): HttpAnswer {
  return {
    ...answer,
    headers: Object.fromEntries(
      Object.entries(answer.headers).map(([name, value]) => [name, scrub(value)]),
    ),
    body: scrubValue(answer.body, scrub),
    ...(answer.exactNumbers && {
      exactNumbers: answer.exactNumbers.map((path) => path.map(scrub)),
    }),
  };
}
