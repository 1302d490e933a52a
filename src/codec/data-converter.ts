import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { TandemConfig } from '../contract/config/schema';
import { ConfigError } from '../contract/errors';
import { KEY_BYTES, PayloadCipher, type CodecKey } from './payload-codec';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where the encrypting failure converter is, for `DataConverter.failureConverterPath` and for a
 * workflow bundle built ahead of time. Named with this file's own extension so it resolves from
 * source (`.ts`) and from the build (`.js`) alike.
 */
export const FAILURE_CONVERTER_PATH = path.join(
  __dirname,
  `failure-converter${path.extname(__filename)}`,
);

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** A 32-byte key written as 64 hex digits or as base64 (`openssl rand -base64 32`). */
function keyBytes(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const bytes = Buffer.from(trimmed, 'base64');
  return bytes.length === KEY_BYTES && bytes.toString('base64') === trimmed ? bytes : undefined;
}

/**
 * The codec keys the config names, read from `env`. Undefined when the config has no `codec`
 * section (payloads then travel as plain JSON, as Temporal's default). Throws a
 * {@link ConfigError} naming every key that is unset or not 32 bytes, by its config path, never
 * with the value.
 */
export function codecKeysFrom(config: TandemConfig, env: Env): CodecKey[] | undefined {
  if (config.codec === undefined) return undefined;
  const problems: string[] = [];
  const keys = config.codec.keys.flatMap(({ id, key }, index) => {
    const where = `codec.keys.${index}.key`;
    const variable = ENV_REFERENCE.exec(key)?.[1] ?? '';
    const value = env[variable];
    if (value === undefined || value === '') {
      problems.push(`${where}: \${${variable}} is not set in this process's environment`);
      return [];
    }
    const bytes = keyBytes(value);
    if (bytes === undefined) {
      problems.push(
        `${where}: \${${variable}} must hold ${KEY_BYTES} random bytes as base64 ` +
          '(`openssl rand -base64 32`) or as 64 hex digits',
      );
      return [];
    }
    return [{ id, key: bytes }];
  });
  if (problems.length > 0) throw new ConfigError('config', problems);
  return keys;
}

/** The config's payload cipher, or undefined when it has no `codec` section. */
export function payloadCipherFrom(config: TandemConfig, env: Env): PayloadCipher | undefined {
  const keys = codecKeysFrom(config, env);
  return keys === undefined ? undefined : new PayloadCipher(keys);
}

/**
 * The data converter every Tandem client, worker and gateway uses: Temporal's default, or, with a
 * `codec` section, one that encrypts every payload (inputs, results, memo, failure details) and,
 * through {@link FAILURE_CONVERTER_PATH}, every failure's message and stack trace.
 */
export function dataConverterOf(cipher: PayloadCipher | undefined): DataConverter {
  return cipher === undefined
    ? {}
    : { payloadCodecs: [cipher], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/**
 * What every Tandem `Client` is built with beside its connection: the config's namespace and
 * data converter. Throws a `ConfigError` for a missing or malformed codec key.
 */
export function clientOptionsFor(
  config: TandemConfig,
  env: Env,
): { namespace: string; dataConverter: DataConverter } {
  const dataConverter = dataConverterOf(payloadCipherFrom(config, env));
  return { namespace: config.temporal.namespace, dataConverter };
}
