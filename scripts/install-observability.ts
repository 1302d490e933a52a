import { installObservabilityBinaries } from '../src/cluster/install';
import { TandemError } from '../src/contract/errors';

/**
 * Builds (or finds in the cache) the trace and metrics backends `tandem dev --traces` and the
 * observability tier run; CI runs this before that tier.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const binaries = await installObservabilityBinaries({
    env: process.env,
    log: (line) => console.log(line),
  });
  console.log(`Jaeger     ${binaries.jaeger}`);
  console.log(`Prometheus ${binaries.prometheus}`);
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof TandemError ? `tandem: ${error.message}` : error);
  process.exit(1);
});
