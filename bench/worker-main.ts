/**
 * The bench's worker process: Tandem's workers over one `NativeConnection`, as the orchestrator
 * asks in `BENCH_WORKER` (JSON of {@link WorkerProcessOptions}).
 * With `serveStarts`, it also hosts a `TandemClient` on that same connection and answers
 * `POST /deliver` `{ id, targets, payload }` by starting the delivery and waiting for its end:
 * an app that embeds Tandem, where Eager Workflow Start can apply.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { TandemClient } from '../src/client/client';
import { parseConfig } from '../src/contract/config/load';
import type { DeliveryRequest } from '../src/contract/contracts';
import { createWorkers } from '../src/worker/worker';
import { BENCH_ENV, type BenchConfigDocument } from './config';

/** What the orchestrator asks of a worker process. */
export interface WorkerProcessOptions {
  document: BenchConfigDocument;
  bundlePath: string;
  concurrencyPerTarget: number;
  /** Host a client on the workers' connection and serve `POST /deliver`. */
  serveStarts?: boolean;
  /** With `serveStarts`: request Eager Workflow Start. */
  eagerStart?: boolean;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerProcessOptions;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = parseConfig(options.document, 'bench config');
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const workers = await createWorkers({
    config,
    connection,
    env: BENCH_ENV,
    workflowBundle: { codePath: options.bundlePath },
    concurrencyPerTarget: options.concurrencyPerTarget,
  });
  const running = workers.run();
  let url: string | undefined;
  if (options.serveStarts)
    url = await serveStarts(
      await TandemClient.connect(config, connection, { eagerStart: options.eagerStart ?? false }),
    );
  // Memory at ready, by kind, to tell the runtime's fixed cost from what deliveries add.
  console.log(`bench-ready ${JSON.stringify({ url, memory: process.memoryUsage() })}`);
  process.once('SIGTERM', () => workers.shutdown());
  await running;
  await connection.close();
  process.exit(0);
}

/** Serves `POST /deliver`: start, then wait for the result; 200 with the final status. */
async function serveStarts(client: TandemClient): Promise<string> {
  const server = createServer((request, response) => {
    void (async () => {
      let body = '';
      for await (const chunk of request) body += String(chunk);
      try {
        const delivery = JSON.parse(body) as DeliveryRequest;
        await client.start(delivery);
        const state = await client.result(delivery.id);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: state.status, reason: state.reason }));
      } catch (error) {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(error instanceof Error ? error.message : String(error));
      }
    })();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
