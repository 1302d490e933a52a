import { readFile } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../contract/config/load';
import { gatewaySettings } from '../contract/config/schema';
import { clientConnectionOptions } from '../client/connection';
import { GatewaySetupError } from '../contract/errors';
import { apiKeysFrom } from '../gateway/auth';
import { createGateway } from '../gateway/server';
import { createLogger } from '../telemetry/log';

/**
 * The API keys as they are now: the config file's `gateway.apiKeys`, `TANDEM_API_KEYS`, and the
 * file `TANDEM_API_KEYS_FILE` names (one `NAME:SCOPES:KEY` or `KEY` a line). Read at start and
 * again on SIGHUP, so keys rotate without a restart.
 */
async function readApiKeys(configPath: string, env: Readonly<Record<string, string | undefined>>) {
  const config = await loadConfig(configPath);
  const file = env.TANDEM_API_KEYS_FILE;
  let text: string | undefined;
  if (file !== undefined && file !== '') {
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new GatewaySetupError(
        `TANDEM_API_KEYS_FILE: cannot read ${file} (${(error as Error).message})`,
      );
    }
  }
  return apiKeysFrom(gatewaySettings(config), env, text);
}

/** Resolves at the first of `signals`. */
function untilSignal(signals: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, stop);
      resolve(signal);
    };
    for (const s of signals) process.once(s, stop);
  });
}

/**
 * `tandem gateway`: validates the config (a bad one starts nothing), then serves the HTTP API on
 * `gateway.host:gateway.port` until SIGINT/SIGTERM, when requests in flight are let finish.
 * API keys come from `gateway.apiKeys`, `TANDEM_API_KEYS` and `TANDEM_API_KEYS_FILE`; SIGHUP
 * reloads them (a reload that fails keeps the old ones, and says why). With none, the
 * gateway starts only on a loopback address, and says loudly that it lets every request in.
 * Temporal may be down at start: `/healthz` answers 503 until it is reachable.
 */
export async function runGateway(
  configPath: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const logger = createLogger({ env, destination: 'stdout' });
  const config = await loadConfig(configPath);
  const apiKeys = await readApiKeys(configPath, env);
  const { address, namespace } = config.temporal;
  const connection = Connection.lazy(await clientConnectionOptions(config.temporal, env));
  try {
    const gateway = await createGateway({
      config,
      connection,
      apiKeys,
      env,
      logger,
    });
    try {
      const url = await gateway.listen();
      logger.info(
        `tandem gateway: listening on ${url} for Temporal ${address} (namespace ${namespace}); ` +
          `OpenAPI at ${url}/openapi.json; Ctrl-C stops after requests in flight`,
      );
      if (!gateway.requiresApiKey) {
        logger.warn(
          'tandem gateway: WARNING: no API key is configured, so EVERY REQUEST IS LET IN. ' +
            'This is allowed on a loopback address only. Set TANDEM_API_KEYS (comma-separated ' +
            'keys of 16+ characters) or gateway.apiKeys in the config to require one.',
        );
      }
      const health = await gateway.health();
      if (!health.reachable) {
        logger.warn(
          `tandem gateway: Temporal at ${address} does not answer yet (${health.error}); ` +
            '/healthz answers 503 until it does',
        );
      }
      const reload = () => {
        readApiKeys(configPath, env).then(
          (keys) => {
            if (keys.length === 0 && gateway.requiresApiKey) {
              throw new GatewaySetupError('the reload found no API key; the old keys stay');
            }
            gateway.replaceApiKeys(keys);
            logger.info(
              `tandem gateway: SIGHUP: API keys reloaded: ${keys.map((k) => `${k.name} (${k.scopes.join('+')})`).join(', ')}`,
            );
          },
          (error: unknown) => {
            logger.error(
              `tandem gateway: SIGHUP: keys not reloaded, the old ones stay: ${(error as Error).message}`,
            );
          },
        );
      };
      process.on('SIGHUP', reload);
      const signal = await untilSignal(['SIGINT', 'SIGTERM']);
      process.off('SIGHUP', reload);
      logger.info(`tandem gateway: ${signal}: finishing requests in flight`);
    } finally {
      await gateway.close();
    }
  } finally {
    await connection.close();
  }
}
