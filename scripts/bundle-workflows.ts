/**
 * `npm run build`'s last step: writes the workflow bundles (plain and encrypting) beside the
 * built worker in `dist/worker/`, where a worker started from the build finds them.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleFileName, bundleWorkflows } from '../src/worker/workflow-bundle';
import { workflowsPath } from '../src/worker/worker';

async function main(): Promise<void> {
  const out = path.resolve(__dirname, '..', 'dist', 'worker');
  for (const encrypting of [false, true]) {
    const file = path.join(out, bundleFileName(encrypting));
    await writeFile(file, await bundleWorkflows(workflowsPath, encrypting));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}

main().catch((error: unknown) => {
  console.error(`Could not bundle the workflows: ${(error as Error).message}`);
  process.exit(1);
});
