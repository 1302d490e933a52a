import { Connection } from '@temporalio/client';
import { loadConfig } from '../config/load';
import { gatewaySettings } from '../config/schema';
import { clientConnectionOptions } from '../connection';
import { apiKeysFrom } from '../gateway/auth';
import { createGateway } from '../gateway/server';

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
 * API keys come from `TANDEM_API_KEYS` (comma-separated) and `gateway.apiKeys`. With none, the
 * gateway starts only on a loopback address, and says loudly that it lets every request in.
 * Temporal may be down at start: `/healthz` answers 503 until it is reachable.
 */
export async function runGateway(
  configPath: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const config = await loadConfig(configPath);
  const apiKeys = apiKeysFrom(gatewaySettings(config), env);
  const { address, namespace } = config.temporal;
  const connection = Connection.lazy(await clientConnectionOptions(config.temporal, env));
  try {
    const gateway = await createGateway({ config, connection, apiKeys, logger: { level: 'info' } });
    try {
      const url = await gateway.listen();
      console.log(
        `tandem gateway: listening on ${url} for Temporal ${address} (namespace ${namespace}); ` +
          `OpenAPI at ${url}/openapi.json; Ctrl-C stops after requests in flight`,
      );
      if (!gateway.requiresApiKey) {
        console.warn(
          '\ntandem gateway: WARNING: no API key is configured, so EVERY REQUEST IS LET IN.\n' +
            'This is allowed on a loopback address only. Set TANDEM_API_KEYS (comma-separated\n' +
            'keys of 16+ characters) or gateway.apiKeys in the config to require one.\n',
        );
      }
      const health = await gateway.health();
      if (!health.reachable) {
        console.warn(
          `tandem gateway: Temporal at ${address} does not answer yet (${health.error}); ` +
            '/healthz answers 503 until it does',
        );
      }
      const signal = await untilSignal(['SIGINT', 'SIGTERM']);
      console.log(`tandem gateway: ${signal}: finishing requests in flight`);
    } finally {
      await gateway.close();
    }
  } finally {
    await connection.close();
  }
}
