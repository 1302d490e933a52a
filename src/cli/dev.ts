import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { gatewaySettings } from '../contract/config/schema';
import { workflowIdFor } from '../contract/contracts';
import { startLocalSystem } from '../dev/local-system';
import { findProjectRoot, freePort } from '../host/machine';
import { installObservabilityBinaries } from '../cluster/install';
import { otlpEnv, startJaeger, type Jaeger } from '../cluster/observability';
import { apiKeysFrom, SCOPES } from '../gateway/auth';
import { createGateway, type Gateway } from '../gateway/server';
import { createLogger } from '../telemetry/log';
import { prettyDestination } from '../telemetry/log-pretty';
import { describeMetricsExport, metricsExport, runtimeMetricsOptions } from '../telemetry/metrics';
import { installRuntime } from '../telemetry/runtime';

/** Where `tandem dev` listens (all on 127.0.0.1) and keeps its state. */
export interface DevOptions {
  /** The dev server's SQLite state file; default `.tandem/temporal.sqlite` in the project. */
  db?: string;
  port: number;
  uiPort: number;
  targetsPort: number;
  /** The HTTP gateway's port; when absent, 8080, or a free port if 8080 is taken. */
  gatewayPort?: number;
  /**
   * Encrypt payloads at rest, with `TANDEM_CODEC_KEY` or a key kept beside the state file
   * (`codec.key`, made on first use), and let the Web UI decode them through the gateway.
   */
  encrypt?: boolean;
  /**
   * Start Jaeger beside the dev server (built into the cache on first use) and send the worker's
   * and gateway's traces to it.
   */
  traces?: boolean;
}

/** The environment variables `tandem dev --encrypt` puts its codec key and UI token in. */
const DEV_CODEC_KEY = 'TANDEM_CODEC_KEY';
const DEV_UI_TOKEN = 'TANDEM_CODEC_UI_TOKEN';

/** The dev codec key: the user's, or the one kept beside the state file (made on first use). */
async function devCodecKey(
  stateFile: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const given = env[DEV_CODEC_KEY];
  if (given !== undefined && given !== '') return given;
  const file = path.join(path.dirname(stateFile), 'codec.key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const key = randomBytes(32).toString('base64');
    await mkdir(path.dirname(file), { recursive: true });
    // Owner-only: whoever reads it can read every run of this dev server.
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

/** 8080 when it is free, else a port the OS has free: chosen before the UI is told of it. */
async function gatewayPortFor(asked: number | undefined): Promise<number> {
  if (asked !== undefined) return asked;
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(DEFAULT_GATEWAY_PORT, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  return free ? DEFAULT_GATEWAY_PORT : freePort();
}

const DEFAULT_GATEWAY_PORT = 8080;

/**
 * The SDK's lines not worth showing here: a failed attempt or a compensated delivery is the
 * product at work (the delivery's status tells it), and each worker serves workflows or
 * activities, not both, by design.
 */
const EXPECTED_SDK_LINES = [
  'Activity failed',
  'Workflow failed',
  'No activities registered, not polling for activity tasks',
  'No workflows registered, not polling for workflow tasks',
];

/** Listens on the port asked for, or on 8080 falling back to a free port when none was asked. */
async function listenGateway(gateway: Gateway, port: number | undefined): Promise<string> {
  if (port !== undefined) return gateway.listen({ host: '127.0.0.1', port });
  try {
    return await gateway.listen({ host: '127.0.0.1', port: DEFAULT_GATEWAY_PORT });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return gateway.listen({ host: '127.0.0.1', port: 0 });
  }
}

/**
 * Jaeger on its usual ports, its config and log in `jaeger/` beside the state file. The OTLP
 * endpoint goes into the environment before anything starts: the OpenTelemetry SDK reads its
 * `OTEL_*` variables from `process.env`.
 */
async function startDevJaeger(
  stateFile: string,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
): Promise<Jaeger> {
  const { jaeger: binary } = await installObservabilityBinaries({ env, log });
  const jaeger = await startJaeger({ binary, dir: path.join(path.dirname(stateFile), 'jaeger') });
  Object.assign(process.env, otlpEnv(jaeger));
  return jaeger;
}

/**
 * Ready-to-paste `curl` lines that walk through the gateway against the demo targets: start,
 * status, cancel (of a delivery kept retrying by a fault), and retry or resolve (of one parked
 * by a fault). Each command stands on one line, with the API key in it.
 */
export function curlWalkthrough(
  gatewayUrl: string,
  targetsUrl: string,
  apiKey: string,
  stamp: string,
): string[] {
  const auth = `-H 'Authorization: Bearer ${apiKey}'`;
  const json = `-H 'Content-Type: application/json'`;
  const start = (id: string) =>
    `curl -i -X POST ${gatewayUrl}/v1/deliveries ${auth} ${json} -d '{"id":"${id}","targets":["inventory","shipping"],"payload":{"sku":"A-1","qty":2}}'`;
  const get = (id: string) => `curl -s ${gatewayUrl}/v1/deliveries/${id} ${auth}`;
  const act = (id: string, action: string, body = '') =>
    `curl -i -X POST ${gatewayUrl}/v1/deliveries/${id}/${action} ${auth}${body && ` ${json} -d '${body}'`}`;
  const fault = (api: string, fault: string) =>
    `curl -s -X PUT ${targetsUrl}/_faults/${api}/create -d '${fault}'`;
  const order = `order-${stamp}`;
  const cancelled = `${order}-c`;
  const parked = `${order}-r`;
  return [
    'Try the gateway (paste the curl lines into another terminal):',
    '  1. Start a delivery: 202 Accepted with a Location. Again: the same answer, nothing sent twice.',
    `     ${start(order)}`,
    "  2. Its status and each leg's:",
    `     ${get(order)}`,
    "  3. Cancel: shipping answers 503 and asks for a minute's pause (Retry-After); cancel meanwhile, and",
    '     inventory is undone (read it again: cancelled).',
    `     ${fault('shipping', '{"status":503,"retryAfter":"60","times":1}')}`,
    `     ${start(cancelled)}`,
    `     ${act(cancelled, 'cancel')}`,
    `     ${get(cancelled)}`,
    "  4. Retry: inventory's answer never comes and shipping refuses, so the delivery parks as",
    '     needs_attention ("outcome unknown") after the 5 s timeout; retry learns the outcome and undoes it.',
    `     ${fault('inventory', '{"hang":true,"times":1}')}`,
    `     ${fault('shipping', '{"status":422,"times":1}')}`,
    `     ${start(parked)}`,
    `     ${get(parked)}`,
    `     ${act(parked, 'retry')}`,
    `     (or close it by hand instead: ${act(parked, 'resolve', '{"note":"released by hand"}')})`,
    '  5. Refusals start nothing: an unknown target (422), no API key (401), a bad body (400):',
    `     curl -s -X POST ${gatewayUrl}/v1/deliveries ${auth} ${json} -d '{"id":"${order}-x","targets":["ledger"],"payload":{}}'`,
    `     curl -s ${gatewayUrl}/v1/deliveries`,
    `     curl -s -X POST ${gatewayUrl}/v1/deliveries ${auth} ${json} -d '{"id":7,"targets":"inventory"}'`,
    `  More: ${gatewayUrl}/v1/deliveries?status=completed, ${gatewayUrl}/openapi.json, and Prometheus metrics with a read key:`,
    `     curl -s ${auth} ${gatewayUrl}/metrics`,
  ];
}

/**
 * `tandem dev`: the whole system on one machine. A Temporal dev server (Web UI on, state in
 * `.tandem/temporal.sqlite`), two demo target APIs, the workers and the HTTP gateway (with an API
 * key made for this run, plus any in `TANDEM_API_KEYS`); then one sample delivery and `curl`
 * lines to try the gateway, and everything keeps running until Ctrl-C, which stops the workers,
 * the gateway, the targets and the server.
 */
export async function runDev(
  options: DevOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const log = (line: string) => console.log(line);
  // Warnings and errors only unless TANDEM_LOG_LEVEL asks for more: the SDK's start-up chatter
  // (bundle statistics, worker states) and a line per attempt would bury what matters here.
  const logger = createLogger({ env, fallbackLevel: 'warn', destination: prettyDestination() });
  // The worker's metrics on loopback: this machine only, as everything else `tandem dev` serves.
  const metrics = await metricsExport(env, { defaultAddress: '127.0.0.1:9464' });
  installRuntime({
    logger,
    dropMessages: EXPECTED_SDK_LINES,
    metrics: runtimeMetricsOptions(metrics, env),
  });
  const dbFilename = options.db ?? path.join(findProjectRoot(), '.tandem', 'temporal.sqlite');
  // With --encrypt the UI must know the gateway's codec route before the server starts.
  const gatewayPort = options.encrypt ? await gatewayPortFor(options.gatewayPort) : undefined;
  const codecEnv = options.encrypt
    ? {
        [DEV_CODEC_KEY]: await devCodecKey(dbFilename, env),
        [DEV_UI_TOKEN]: randomBytes(24).toString('hex'),
      }
    : {};
  const uiOrigin = `http://127.0.0.1:${options.uiPort}`;
  const codecEndpoint = `http://127.0.0.1:${gatewayPort}/codec/${codecEnv[DEV_UI_TOKEN]}`;
  const jaeger = options.traces ? await startDevJaeger(dbFilename, env, log) : undefined;
  const runEnv = { ...env, ...codecEnv, ...(jaeger && otlpEnv(jaeger)) };
  const system = await startLocalSystem({
    temporal: {
      start: {
        cli: { env },
        port: options.port,
        ui: true,
        uiPort: options.uiPort,
        dbFilename,
        // The endpoint carries the UI token: it goes in a private file, not on argv.
        ...(options.encrypt && { uiCodecEndpoint: codecEndpoint }),
        log,
      },
    },
    targets: { port: options.targetsPort },
    configSource: 'demo config',
    ...(options.encrypt && {
      tune: (document) => {
        Object.assign(document, {
          codec: {
            keys: [{ id: 'dev', key: `\${${DEV_CODEC_KEY}}` }],
            ui: {
              origins: [uiOrigin, `http://localhost:${options.uiPort}`],
              token: `\${${DEV_UI_TOKEN}}`,
            },
          },
        });
      },
    }),
    // The demo config sends a secret header; the local system supplies one unless the user did.
    env: runEnv,
  }).catch(async (error: unknown) => {
    await jaeger?.stop();
    throw error;
  });
  const { config, targets, client } = system;
  const server = system.server!;
  let gateway: Gateway | undefined;
  try {
    const apiKey = `tandem-dev-${randomBytes(12).toString('hex')}`;
    gateway = await createGateway({
      config,
      // In this process with the workers: its starts are eager too.
      ...system.starts,
      env: runEnv,
      logger,
      apiKeys: [
        { name: 'dev', key: apiKey, scopes: SCOPES },
        ...apiKeysFrom(gatewaySettings(config), env),
      ],
    });
    const gatewayUrl = await listenGateway(gateway, gatewayPort ?? options.gatewayPort);
    const runUrl = (id: string) =>
      `${server.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${workflowIdFor(id)}`;

    log('');
    log(`Temporal Web UI   ${server.uiUrl}`);
    log(`Temporal gRPC     ${server.address}`);
    log(`HTTP gateway      ${gatewayUrl}  (OpenAPI: ${gatewayUrl}/openapi.json)`);
    log(`API key           ${apiKey}  (this run only; TANDEM_API_KEYS adds your own)`);
    if (jaeger) log(`Traces (Jaeger)   ${jaeger.uiUrl}  (OTLP in: ${jaeger.otlpHttpUrl})`);
    if (options.encrypt) {
      log(`Payloads          encrypted (AES-256-GCM); the UI decodes through ${gatewayUrl}/codec`);
      log(
        `                  for the CLI: export ${DEV_CODEC_KEY}=… (from ${path.join(path.dirname(dbFilename), 'codec.key')}) and a config with a codec section`,
      );
    }
    log(
      `Demo targets      ${targets.url}/inventory/reservations, ${targets.url}/shipping/shipments`,
    );
    log(`Faults            curl -X PUT ${targets.url}/_faults/shipping/create -d '{"status":422}'`);
    log(`Worker            ${describeMetricsExport(metrics)}`);
    log('');

    const stamp = new Date().toISOString().replace(/[-:.TZ]/g, '');
    const id = `demo-${stamp}`;
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
    for (const line of curlWalkthrough(gatewayUrl, targets.url, apiKey, stamp)) log(line);
    log('');
    log('Running. Ctrl-C stops everything.');
    // The runtime turns Ctrl-C into a worker shutdown, which ends this wait.
    await system.workers?.done;
  } finally {
    await gateway?.close();
    await system.stop();
    await jaeger?.stop();
  }
}
