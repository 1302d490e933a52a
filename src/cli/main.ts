import { Command } from 'commander';
import { TandemError } from '../errors';
import { runDev } from './dev';
import { runWorker } from './worker';

/** Builds the `tandem` command line over an environment (nothing below reads process.env). */
export function program(env: Readonly<Record<string, string | undefined>>): Command {
  const configPath = () => env.TANDEM_CONFIG ?? 'tandem.config.yaml';
  const cli = new Command('tandem')
    .description('Send one event to several HTTP APIs, durably, on Temporal.')
    .showHelpAfterError();
  cli
    .command('worker')
    .description(
      'Run the workflow worker and one activity worker per target (config from TANDEM_CONFIG).',
    )
    .action(() => runWorker(configPath(), env));
  cli
    .command('dev')
    .description(
      'Start a Temporal dev server with its UI, the worker and two demo target APIs on this machine, ' +
        'run one sample delivery, and keep running until Ctrl-C.',
    )
    .option('--port <port>', 'Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--targets-port <port>', 'demo target APIs port', '4001')
    .action((options: { port: string; uiPort: string; targetsPort: string }) =>
      runDev(
        {
          port: Number(options.port),
          uiPort: Number(options.uiPort),
          targetsPort: Number(options.targetsPort),
        },
        env,
      ),
    );
  return cli;
}

async function main(): Promise<void> {
  await program(process.env).parseAsync(process.argv);
}

main().catch((error: unknown) => {
  // Our errors carry a message written for the reader; anything else is shown with its stack.
  console.error(error instanceof TandemError ? `tandem: ${error.message}` : error);
  process.exit(1);
});
