import { ChromiumUnavailableError, ensureChromium } from '../src/dev/chromium';

/** Puts a Chromium where the browser test finds it (the test also does this on first use). */
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
