import { TandemError } from '../src/contract/errors';
import { DEPLOY_TOOL_VERSIONS, installDeployTools } from './deploy-tools';

/** Installs (or finds in the cache) what the deploy tier checks the Helm chart with. */
async function main(): Promise<void> {
  const started = Date.now();
  const tools = await installDeployTools({ env: process.env, log: (line) => console.log(line) });
  console.log(`Helm          ${tools.helm}`);
  console.log(`kubeconform   ${tools.kubeconform}`);
  console.log(
    `schemas       ${tools.schemaLocation} (Kubernetes ${DEPLOY_TOOL_VERSIONS.kubernetes})`,
  );
  console.log(`ScaledObject  ${tools.scaledObjectValidator}`);
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof TandemError ? `tandem: ${error.message}` : error);
  process.exit(1);
});
