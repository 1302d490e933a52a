/**
 * The bench's worker process: Tandem's workers, and a worker of Tandem's peers (the hand-written
 * saga and the floor), over one `NativeConnection`, as the orchestrator asks in `BENCH_WORKER`
 * (JSON of {@link WorkerProcessOptions}).
 * With `serveStarts`, it also hosts a `TandemClient` on that same connection and answers
 * `POST /deliver` `{ id, targets, payload }` by starting the delivery and waiting for its end:
 * an app that embeds Tandem, where Eager Workflow Start can apply.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Agent } from 'undici';
import { TandemClient } from '../src/client/client';
import { parseConfig } from '../src/contract/config/load';
import type { DeliveryRequest } from '../src/contract/contracts';
import { startTracing } from '../src/telemetry/tracing';
import { createWorkers } from '../src/worker/worker';
import { BENCH_ENV, PEER_TASK_QUEUE, type BenchConfigDocument } from './config';
import { createPeerActivities } from './peer-activities';
import { announceReady, runMain, serveJson } from './processes';

export interface WorkerProcessOptions {
  document: BenchConfigDocument;
  bundlePath: string;
  peerBundlePath: string;
  concurrencyPerTarget: number;
  serveStarts: boolean;
  eagerStart: boolean;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerProcessOptions;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = parseConfig(options.document, 'bench config');
  // As `tandem worker` does: spans exported when the OTEL_* variables name an endpoint.
  const tracing = await startTracing(process.env, 'tandem-bench-worker');
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const workers = await createWorkers({
    config,
    connection,
    env: BENCH_ENV,
    workflowBundle: { codePath: options.bundlePath },
    concurrencyPerTarget: options.concurrencyPerTarget,
  });
  const peers = await Worker.create({
    connection,
    taskQueue: PEER_TASK_QUEUE,
    workflowBundle: { codePath: options.peerBundlePath },
    activities: createPeerActivities(options.document, new Agent({ connections: 64 })),
  });
  const running = Promise.all([workers.run(), peers.run()]);
  let url: string | undefined;
  if (options.serveStarts) {
    const client = await TandemClient.connect(config, connection, {
      eagerStart: options.eagerStart,
    });
    // Start, then wait for the result: 200 with the final status.
    url = await serveJson(async (_request, body) => {
      const delivery = JSON.parse(body) as DeliveryRequest;
      await client.start(delivery);
      const { status, reason } = await client.result(delivery.id);
      return [200, { status, reason }];
    });
  }
  // Memory at ready, by kind, to tell the runtime's fixed cost from what deliveries add.
  announceReady({ url, memory: process.memoryUsage() });
  process.once('SIGTERM', () => {
    workers.shutdown();
    peers.shutdown();
  });
  await running;
  await tracing.shutdown();
  await connection.close();
  process.exit(0);
}

runMain(main);
