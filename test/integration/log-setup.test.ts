import { describe, expect, it } from 'vitest';
import { spawnProcess, spawnTandem } from '../support/processes';

describe('log setup', () => {
  it('refuses an unknown TANDEM_LOG_LEVEL before the worker starts anything, naming the levels', async () => {
    const { code, stdout, stderr } = await spawnTandem(['worker'], {
      TANDEM_LOG_LEVEL: 'loud',
      TANDEM_CONFIG: 'no-such-config.yaml',
    }).exited;

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^tandem: TANDEM_LOG_LEVEL=loud is not a log level: use one of trace,/);
  });

  it('writes pretty lines for a person in tandem dev, with the fields after the message', async () => {
    const script = [
      "const { createLogger } = require('./src/telemetry/log.ts');",
      "const { prettyDestination } = require('./src/telemetry/log-pretty.ts');",
      'const logger = createLogger({ env: process.env, destination: prettyDestination() });',
      "logger.warn({ delivery_id: 'order-9', target: 'shipping' }, 'shipping (attempt 1) answered 503');",
    ].join('\n');
    const { code, stdout } = await spawnProcess(
      process.execPath,
      ['--import', 'tsx', '-e', script],
      {
        env: { NO_COLOR: '1' },
      },
    ).exited;

    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: shipping \(attempt 1\) answered 503\n/,
    );
    expect(stdout).toContain('delivery_id: "order-9"');
    expect(() => JSON.parse(stdout) as unknown).toThrow();
  });
});
