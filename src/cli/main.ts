import { Command, CommanderError, Option } from 'commander';
import { ACTION_NAMES, actionSpec } from '../contract/action-types';
import type { ActionSubject } from '../contract/action-spec';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../contract/contracts';
import { TandemError } from '../contract/errors';
import { deliver, listDeliveries, showStatus } from './deliveries';
import { listTargets } from './targets';
import { registerCluster } from './cluster';
import { registerActions } from './actions';
import { registerBatch, type ProgressOutput } from './bulk';
import type { runDev as RunDev } from './dev';
import { ExitCode } from '../contract/error-codes';
import { describeFailure } from './exit-codes';
import { startTracing } from '../telemetry/tracing';
import type { runGateway as RunGateway } from './gateway';
import {
  duration,
  examples,
  MAIN_HELP,
  packageVersion,
  port,
  positiveInteger,
  targetList,
} from './options';
import { checkConfig } from './config-check';
import { runSetup } from './setup';
import type { runWorker as RunWorker } from './worker';

type Env = Readonly<Record<string, string | undefined>>;

const print = (line: string) => console.log(line);

/** The route segments of a subject's actions, as `a|b|c`. */
const segments = (subject: ActionSubject) =>
  ACTION_NAMES.filter((name) => actionSpec(name).subject === subject)
    .map((name) => actionSpec(name).route.segment)
    .join('|');

// Each long-running verb is loaded on use: the worker (rxjs, the workflow bundler), the gateway
// (fastify) and the dev server (@temporalio/testing) are most of what a `tandem` process would
// load, and `--help`, the reads and the operator actions need none of it.
const runWorker: typeof RunWorker = async (...args) =>
  (await import('./worker.js')).runWorker(...args);
const runGateway: typeof RunGateway = async (...args) =>
  (await import('./gateway.js')).runGateway(...args);
const runDev: typeof RunDev = async (...args) => (await import('./dev.js')).runDev(...args);

/** Builds the `tandem` command line over an environment (nothing below reads process.env). */
export function program(env: Env, output: ProgressOutput = {}): Command {
  const configPath = () => env.TANDEM_CONFIG ?? 'tandem.config.yaml';
  const source = () => ({ path: configPath(), env });
  const cli = new Command('tandem')
    .description(
      'Send one event to several HTTP APIs, durably, on Temporal: start deliveries, see them, ' +
        'and steer the ones that need an operator.',
    )
    .version(packageVersion(), '-V, --version', "print Tandem's version")
    .exitOverride()
    .addHelpText('after', MAIN_HELP);

  cli
    .command('deliver')
    .summary('start a delivery of one payload to several targets')
    .description(
      'Start a delivery of one JSON payload to the named targets, in parallel, each retried by its ' +
        "own policy; a leg's success is undone if another leg fails for good. The same --id again " +
        'with the same targets and payload sends nothing new; with others it is refused (exit 6). ' +
        'Nothing starts when the payload or a target is bad. With --wait, follow the delivery ' +
        'until it ends or parks, print it like "tandem status", and exit 0 only if it completed.',
    )
    .requiredOption('--id <id>', "the delivery's id: your business key, e.g. order-1042")
    .requiredOption(
      '--targets <names>',
      'comma-separated targets declared in the config, e.g. inventory,shipping',
      targetList,
    )
    .requiredOption(
      '--payload <json>',
      'the payload: @file.json, @- for standard input, or JSON text',
    )
    .option('--wait', 'wait until the delivery ends or parks, then print it')
    .option(
      '--timeout <duration>',
      'with --wait: stop waiting after this long (e.g. 10m)',
      duration,
    )
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      examples(
        '$ tandem deliver --id order-1042 --targets inventory,shipping --payload @order.json',
        `$ echo '{"sku":"A-1","qty":2}' | tandem deliver --id order-1043 --targets inventory --payload @-`,
        '$ tandem deliver --id order-1044 --targets inventory,shipping --payload @order.json --wait --json',
      ),
    )
    .action(
      (options: {
        id: string;
        targets: string[];
        payload: string;
        wait?: boolean;
        timeout?: number;
        json?: boolean;
      }) =>
        deliver(
          source(),
          {
            id: options.id,
            targets: options.targets,
            payload: options.payload,
            ...(options.wait && { wait: true }),
            ...(options.timeout !== undefined && { timeoutMs: options.timeout }),
            ...(options.json && { json: true }),
          },
          print,
        ),
    );

  cli
    .command('status')
    .summary('show a delivery and each of its legs')
    .description(
      "Show a delivery's status (running, completed, compensated, cancelled, needs_attention, " +
        'resolved) with the reason, and each leg: status, attempts, last HTTP status, undo ' +
        'attempts and the last error. Answered by Temporal alone: no worker needs to be running.',
    )
    .argument('<id>', "the delivery's id")
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      examples('$ tandem status order-1042', "$ tandem status order-1042 --json | jq '.legs[]'"),
    )
    .action((id: string, options: { json?: boolean }) => showStatus(source(), id, options, print));

  cli
    .command('list')
    .summary('list deliveries, newest first, optionally those in one status')
    .description(
      "List deliveries, newest first, from Temporal's visibility store (the TandemStatus search " +
        'attribute), which lags a second or so behind the runs. No worker needed.',
    )
    .addOption(
      new Option('--status <status>', 'only deliveries in this status').choices(DELIVERY_STATUSES),
    )
    .option('--limit <n>', 'at most this many', positiveInteger, 100)
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      examples(
        '$ tandem list --status needs_attention',
        '$ tandem list --status running --limit 20 --json',
      ),
    )
    .action((options: { status?: DeliveryStatus; limit: number; json?: boolean }) =>
      listDeliveries(source(), options, print),
    );

  cli
    .command('targets')
    .summary("every target's state across the fleet: paused, rate limit, deliveries running")
    .description(
      'Show each target the config declares: closed, open, half_open or paused (by whom, since ' +
        'when), its rate limit now and as configured, how many running deliveries have a leg to ' +
        'it, and how many of those legs are waiting out a backoff, paused or held by its pause. ' +
        'Read from what each target controller and delivery keep visible: no worker needed.',
    )
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', examples('$ tandem targets', '$ tandem targets --json'))
    .action((options: { json?: boolean }) => listTargets(source(), options, print));

  registerActions(cli, source, print, output);
  registerBatch(cli, source, print);

  cli
    .command('worker')
    .summary('run the workers (config from TANDEM_CONFIG)')
    .description(
      'Run the workflow worker and one activity worker per target. Ctrl-C or SIGTERM stops ' +
        'polling and lets in-flight attempts finish. Run as many as you like. The workers serve ' +
        'one deployment version (build id: a hash of the workflow code, or TANDEM_BUILD_ID); ' +
        'runs finish on the version that started them (see docs/rollout.md). --workflows and ' +
        '--targets run part of them (either alone: only that; both: both), so each Kubernetes ' +
        'Deployment polls exactly its queues.',
    )
    .option(
      '--workflows',
      'run the workflow worker (task queue temporal.taskQueue), which also runs the attempts of every target with bulkhead: false',
    )
    .option(
      '--targets <names>',
      'run the activity workers of these targets (each polls <taskQueue>.<target>); a target with bulkhead: false has no worker of its own and is refused here: its attempts run in the workflow worker (--workflows)',
      targetList,
    )
    .option(
      '--promote',
      "make this worker's version current: new deliveries start on it (default: only when the deployment has none)",
    )
    .option(
      '--metrics-address <host:port>',
      'serve Prometheus metrics here, or "off" (default: TANDEM_METRICS_ADDRESS, else 0.0.0.0:9464 or a free port if taken; OTEL_METRICS_EXPORTER=otlp sends them to OTLP instead)',
    )
    .addHelpText(
      'after',
      examples(
        '$ TANDEM_CONFIG=/etc/tandem.yaml INVENTORY_TOKEN=… tandem worker',
        '$ TANDEM_BUILD_ID=v42 tandem worker --promote',
        '$ tandem worker --metrics-address 0.0.0.0:9465',
        '$ tandem worker --workflows                  # only the workflow worker',
        "$ tandem worker --targets inventory,shipping  # only these targets' activity workers",
      ),
    )
    .action(
      (options: {
        promote?: boolean;
        metricsAddress?: string;
        workflows?: boolean;
        targets?: string[];
      }) =>
        runWorker(configPath(), env, {
          promote: options.promote === true,
          ...(options.metricsAddress !== undefined && { metricsAddress: options.metricsAddress }),
          ...(options.workflows && { workflows: true }),
          ...(options.targets !== undefined && { targets: options.targets }),
        }),
    );

  const config = cli
    .command('config')
    .summary('check a config file')
    .description('Work with a config file without connecting anywhere.');
  config
    .command('check')
    .summary('validate a config file offline')
    .description(
      'Validate a config file as the worker and the gateway would at start, connecting nowhere: ' +
        'every problem is printed by its path and the exit code is 1; a valid config prints one ' +
        "line (with --json: its targets and each one's task queue) and exits 0. Secrets written " +
        'as ${VAR} need not be set: they are read by the worker when it calls a target.',
    )
    .argument('[file]', 'the config file (default: TANDEM_CONFIG, else tandem.config.yaml)')
    .option('--json', 'print JSON: { ok, targets: [{ name, taskQueue }], workflowTaskQueue, … }')
    .addHelpText(
      'after',
      examples(
        '$ tandem config check',
        '$ tandem config check /etc/tandem/tandem.config.yaml --json | jq -r ".targets[].taskQueue"',
      ),
    )
    .action((file: string | undefined, options: { json?: boolean }) =>
      checkConfig(file ?? configPath(), options, print),
    );

  cli
    .command('setup')
    .summary("prepare the config's namespace: register Tandem's search attributes")
    .description(
      "Register the search attributes Tandem keeps on every run (TandemStatus, TandemTargets, TandemHolds) in the config's " +
        'namespace, skipping those it has. Safe to run again; the namespace must exist. Run it ' +
        'once before the first delivery (the Helm chart runs it as a hook).',
    )
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', examples('$ TANDEM_CONFIG=/etc/tandem.yaml tandem setup'))
    .action((options: { json?: boolean }) => runSetup(source(), options, print));

  cli
    .command('gateway')
    .summary('serve the HTTP API for apps in any language (config from TANDEM_CONFIG)')
    .description(
      'Serve the HTTP gateway: POST /v1/deliveries, GET /v1/deliveries/{id}, POST ' +
        `/v1/deliveries/{id}/${segments('delivery')}, GET /v1/deliveries?status=…, ` +
        `GET /v1/targets, POST /v1/targets/{target}/${segments('target')}, /healthz, /metrics ` +
        '(with a read key) and /openapi.json.',
    )
    .addHelpText('after', examples('$ TANDEM_CONFIG=/etc/tandem.yaml tandem gateway'))
    .action(() => runGateway(configPath(), env));

  cli
    .command('dev')
    .summary('run everything on this machine: server, UI, worker, gateway, demo APIs')
    .description(
      'Start a Temporal dev server with its UI (state kept in .tandem/temporal.sqlite), the ' +
        'worker, the HTTP gateway and two demo target APIs with switchable faults on this ' +
        'machine, run one sample delivery, and keep running until Ctrl-C.',
    )
    .option('--port <port>', 'Temporal gRPC port', port, 7233)
    .option('--ui-port <port>', 'Temporal Web UI port', port, 8233)
    .option('--targets-port <port>', 'demo target APIs port', port, 4001)
    .option('--db <file>', "the dev server's SQLite state file (default .tandem/temporal.sqlite)")
    .option(
      '--gateway-port <port>',
      'HTTP gateway port (default: 8080, or a free one if taken)',
      port,
    )
    .option(
      '--encrypt',
      'encrypt payloads at rest (key: TANDEM_CODEC_KEY, or .tandem/codec.key made on first use); the UI decodes through the gateway',
    )
    .option(
      '--traces',
      'start Jaeger (built on first use) on 127.0.0.1:16686 and send the traces there over OTLP (127.0.0.1:4318)',
    )
    .addHelpText(
      'after',
      examples(
        '$ tandem dev',
        '$ tandem dev --traces',
        '$ tandem dev --port 7300 --ui-port 8300 --targets-port 4100',
      ),
    )
    .action(
      (options: {
        port: number;
        uiPort: number;
        targetsPort: number;
        gatewayPort?: number;
        db?: string;
        encrypt?: boolean;
        traces?: boolean;
      }) =>
        runDev(
          {
            port: options.port,
            uiPort: options.uiPort,
            targetsPort: options.targetsPort,
            ...(options.gatewayPort !== undefined && { gatewayPort: options.gatewayPort }),
            ...(options.db !== undefined && { db: options.db }),
            ...(options.encrypt && { encrypt: true }),
            ...(options.traces && { traces: true }),
          },
          env,
        ),
    );

  registerCluster(cli, env, configPath);

  // A usage mistake is one line naming where to read more, not the whole help.
  const everyCommand = (command: Command): Command[] => [
    command,
    ...command.commands.flatMap(everyCommand),
  ];
  const pathOf = (command: Command): string =>
    command.parent ? `${pathOf(command.parent)} ${command.name()}` : command.name();
  for (const command of everyCommand(cli)) {
    const help = `${pathOf(command)} --help`;
    command.exitOverride().configureOutput({
      outputError: (text, write) =>
        write(
          `tandem: ${text
            .trim()
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')} (see ${help})\n`,
        ),
    });
  }
  return cli;
}

/**
 * A reader that stops early (`tandem list | head -1`) closes standard output under the verb: what
 * is left to print has no one to read it, so it is dropped, and the verb ends with its own exit
 * status instead of crashing on an unhandled EPIPE.
 */
function dropOutputOnceTheReaderIsGone(stdout: NodeJS.WriteStream): void {
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

async function main(): Promise<void> {
  // Every tandem process traces (worker, gateway, dev, CLI actions), when OTEL_* ask for it.
  const verb = process.argv[2];
  const serviceName = verb && /^(worker|gateway|dev)$/.test(verb) ? `tandem-${verb}` : 'tandem-cli';
  const tracing = await startTracing(process.env, serviceName);
  dropOutputOnceTheReaderIsGone(process.stdout);
  try {
    // On a terminal a bulk action's progress is one line, redrawn as it moves.
    const redraw = (line: string) => process.stdout.write(`\r\x1b[2K${line}`);
    await program(process.env, process.stdout.isTTY ? { redraw } : {}).parseAsync(process.argv);
  } finally {
    // The spans still buffered (a CLI action's, a worker's last ones) are sent before exit.
    await tracing.shutdown();
  }
}

main().catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Commander has printed the help, the version or the one-line usage error already.
    const shown = ['commander.helpDisplayed', 'commander.version'].includes(error.code);
    process.exit(shown ? ExitCode.ok : ExitCode.usage);
  }
  const { exitCode, message } = describeFailure(error);
  console.error(`tandem: ${message}`);
  if (!(error instanceof TandemError) && process.env.TANDEM_DEBUG) console.error(error);
  process.exit(exitCode);
});
