import { ChromiumUnavailableError } from '../src/host/errors';
import { ensureChromium } from './chromium';

/**
 * `npm run browser:install`: puts a Chromium where the UI test finds it. `npm test` runs this
 * before vitest; the test itself never installs anything.
 */
async function main(): Promise<void> {
  const chromium = await ensureChromium({ env: process.env, log: (line) => console.log(line) });
  console.log(
    `${chromium.installed ? 'Installed' : 'Found'} ${chromium.version} at ${chromium.path}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof ChromiumUnavailableError ? error.message : error);
  process.exit(1);
});
