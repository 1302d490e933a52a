import { runCommand } from '../src/host/machine';
import { resolveTemporalExecutable } from '../src/host/temporal-cli';
import { TemporalCliError } from '../src/host/errors';

/** Puts the Temporal CLI where tests and `npm start` find it; CI runs this before `npm test`. */
async function main(): Promise<void> {
  const cli = await resolveTemporalExecutable({
    env: process.env,
    log: (line) => console.log(line),
    // The point is a CLI on this machine; a download promised for later would hide its absence.
    allowDownload: false,
  });
  if (cli.route === 'download') {
    throw new Error('resolveTemporalExecutable chose the SDK download although it was refused');
  }
  const { stdout } = await runCommand(cli.path, ['--version'], { env: process.env });
  console.log(`Temporal CLI (route: ${cli.route}): ${cli.path} — ${stdout.trim()}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof TemporalCliError ? error.message : error);
  process.exit(1);
});
