import { installClusterBinaries } from '../src/cluster/install';
import { findPostgres } from '../src/cluster/postgres';
import { TandemError } from '../src/contract/errors';

/** Builds (or finds in the cache) what `tandem cluster` runs; CI runs this before the cluster tier. */
async function main(): Promise<void> {
  const started = Date.now();
  const binaries = await installClusterBinaries({
    env: process.env,
    log: (line) => console.log(line),
  });
  const postgres = await findPostgres(process.env);
  console.log(`Temporal Server   ${binaries.server}`);
  console.log(`Temporal SQL tool ${binaries.sqlTool}`);
  console.log(`Temporal UI       ${binaries.uiServer}`);
  console.log(`PostgreSQL        ${postgres.binDir}`);
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof TandemError ? `tandem: ${error.message}` : error);
  process.exit(1);
});
