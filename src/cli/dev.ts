import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { TandemClient } from '../client';
import { parseConfig } from '../config/load';
import { workflowIdFor } from '../contracts';
import { demoConfigDocument } from '../demo/config';
import { startDemoTargets } from '../demo/targets';
import { findProjectRoot } from '../dev/temporal-cli';
import { startTemporalServer } from '../dev/temporal-server';
import { TANDEM_SEARCH_ATTRIBUTES } from '../search-attributes';
import { createWorkers } from '../worker';

/** Ports `tandem dev` listens on (all on 127.0.0.1). */
export interface DevPorts {
  port: number;
  uiPort: number;
  targetsPort: number;
}

/**
 * `tandem dev`: the whole system on one machine. A Temporal dev server (Web UI on, state in
 * `.tandem/temporal.sqlite`), two demo target APIs, the workers; then one sample delivery, and
 * everything keeps running until Ctrl-C, which stops the workers, the targets and the server.
 */
export async function runDev(
  ports: DevPorts,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const log = (line: string) => console.log(line);
  // The SDK's start-up chatter (bundle statistics, worker states) would bury what matters here.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startTemporalServer({
    cli: { env },
    port: ports.port,
    ui: true,
    uiPort: ports.uiPort,
    dbFilename: path.join(findProjectRoot(), '.tandem', 'temporal.sqlite'),
    searchAttributes: TANDEM_SEARCH_ATTRIBUTES,
    log,
  });
  const targets = await startDemoTargets({ port: ports.targetsPort });
  try {
    const config = parseConfig(
      demoConfigDocument({ targetsUrl: targets.url, address: server.address }),
      'demo config',
    );
    const workers = await createWorkers({
      config,
      connection: server.env.nativeConnection,
      // The demo config sends a secret header; the demo supplies one unless the user did.
      env: { INVENTORY_TOKEN: 'demo-token', ...env },
    });
    const running = workers.run();
    const client = await TandemClient.connect(config, server.env.connection);
    const runUrl = (id: string) =>
      `${server.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${workflowIdFor(id)}`;

    log('');
    log(`Temporal Web UI   ${server.uiUrl}`);
    log(`Temporal gRPC     ${server.address}`);
    log(
      `Demo targets      ${targets.url}/inventory/reservations, ${targets.url}/shipping/shipments`,
    );
    log(`Faults            curl -X PUT ${targets.url}/_faults/shipping/create -d '{"status":422}'`);
    log('');

    const id = `demo-${new Date().toISOString().replace(/[-:.TZ]/g, '')}`;
    await client.start({
      id,
      targets: ['inventory', 'shipping'],
      payload: { orderId: id, sku: 'DEMO-1', qty: 1 },
    });
    const state = await client.result(id);
    log(`Sample delivery ${id}: ${state.status}`);
    for (const leg of state.legs) {
      log(
        `  ${leg.target.padEnd(10)} ${leg.status} after ${leg.attempts} attempt(s), HTTP ${leg.lastHttpStatus ?? '-'}`,
      );
    }
    log(`  see it in the UI: ${runUrl(id)}`);
    log('');
    log('Running. Ctrl-C stops everything.');
    await running;
  } finally {
    await targets.stop();
    await server.stop();
  }
}
