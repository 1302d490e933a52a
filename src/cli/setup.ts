import { registerSearchAttributes } from '../client/search-attributes';
import { describeTemporal } from '../client/connection';
import { loadConfig } from '../contract/config/load';
import type { ConfigSource, Print } from './deliveries';
import { connectCli } from './connect';

/**
 * `tandem setup`: prepares the config's namespace for Tandem, registering the search attributes
 * it lacks (`TandemStatus`, `TandemTargets`, `TandemHolds`). Safe to run again and by two processes at once: what
 * is there is left as it is. Run before the first delivery (the Helm chart's hook runs it).
 */
export async function runSetup(
  source: ConfigSource,
  options: { json?: boolean },
  print: Print,
): Promise<void> {
  const config = await loadConfig(source.path);
  const connection = await connectCli(config.temporal, source.env);
  try {
    const { namespace } = config.temporal;
    const searchAttributes = await registerSearchAttributes(connection.operatorService, namespace);
    if (options.json) {
      print(JSON.stringify({ namespace, searchAttributes }, null, 2));
      return;
    }
    const said = (names: readonly string[]) => names.join(', ') || 'none';
    print(
      `tandem setup: ${describeTemporal(config.temporal)} is ready for Tandem: ` +
        `search attributes added: ${said(searchAttributes.added)}; already there: ${said(searchAttributes.present)}`,
    );
  } finally {
    await connection.close();
  }
}
