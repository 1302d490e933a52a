import { inject } from 'vitest';
import { workflowIdFor } from '../../src/contract/contracts';
import { resolveTemporalExecutable } from '../../src/host/temporal-cli';
import { spawnProcess } from './processes';

let cli: Promise<string> | undefined;

/** The stock Temporal CLI, found the way the project finds it (never installed from a test). */
function temporalCli(): Promise<string> {
  cli ??= resolveTemporalExecutable({
    env: process.env,
    allowInstall: false,
    allowDownload: false,
  }).then((found) => {
    if (found.route === 'download') throw new Error('The Temporal CLI is not installed.');
    return found.path;
  });
  return cli;
}

/**
 * Sends a signal to a delivery with `temporal workflow signal`, as an operator without Tandem at
 * hand would; `input` is passed as the JSON text given (or none). Throws when the CLI fails.
 */
export async function stockSignal(
  deliveryId: string,
  name: string,
  input?: string,
  address: string = inject('temporalAddress'),
): Promise<void> {
  const args = [
    ...['workflow', 'signal', '--address', address, '--namespace', 'default'],
    ...['--workflow-id', workflowIdFor(deliveryId), '--name', name],
    ...(input === undefined ? [] : ['--input', input]),
  ];
  const { code, stdout, stderr } = await spawnProcess(await temporalCli(), args).exited;
  if (code !== 0) {
    throw new Error(`temporal ${args.join(' ')} exited ${code}: ${stderr || stdout}`);
  }
}

/**
 * Runs a `temporal …` command line as Tandem prints it for an operator to paste (plain words,
 * no quoting). Throws when the CLI fails.
 */
export async function stockCommand(line: string): Promise<string> {
  const [program, ...args] = line.split(' ');
  if (program !== 'temporal') throw new Error(`Not a Temporal CLI command: ${line}`);
  const { code, stdout, stderr } = await spawnProcess(await temporalCli(), args).exited;
  if (code !== 0) throw new Error(`${line} exited ${code}: ${stderr || stdout}`);
  return stdout;
}
