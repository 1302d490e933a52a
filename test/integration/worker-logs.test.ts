import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnTandem, type SpawnedProcess } from '../support/processes';
import { canaryHeaders, INVENTORY_TOKEN, startSystem, type System } from '../support/system';

/** A log line as the worker writes it: one JSON object. */
type LogLine = Record<string, unknown> & { msg: string; level: string };

/** Every line of `text`, parsed; a line that is not a JSON object fails the test, named. */
function parseLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
      const fields = parsed as LogLine;
      expect([typeof fields.level, typeof fields.msg], line).toEqual(['string', 'string']);
      return fields;
    });
}

describe('the worker log', () => {
  let system: System;
  let worker: SpawnedProcess | undefined;
  afterEach(async () => {
    worker?.kill('SIGKILL');
    await system.stop();
  });

  it('is JSON lines that name the delivery, target and attempt of every attempt, and never a header secret', async () => {
    const canary = `canary-${randomUUID()}`;
    system = await startSystem(canaryHeaders('LOG_CANARY'), { workers: false });
    const { client, targets } = system;
    worker = spawnTandem(['worker'], {
      TANDEM_CONFIG: await system.writeConfigFile(),
      INVENTORY_TOKEN,
      LOG_CANARY: canary,
      TANDEM_LOG_LEVEL: 'debug',
    });
    await worker.waitForOutput('tandem worker: polling', 120_000);
    // Inventory is retried once and succeeds; shipping then refuses for good: inventory is undone.
    targets.setFault('inventory', 'create', { status: 503, times: 1 });
    targets.setFault('shipping', 'create', { status: 422, latencyMs: 3000 });
    const id = system.newId();

    await client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1' } });
    const state = await client.result(id);
    worker.kill('SIGTERM');
    const { code, stdout, stderr } = await worker.exited;
    worker = undefined;

    expect(state.status).toBe('compensated');
    expect(code).toBe(0);
    // The secrets were really sent, so their absence below means something.
    const undo = targets.received('inventory', 'undo')[0]!;
    expect(undo.headers['x-canary']).toBe(canary);
    expect(stdout + stderr).not.toContain(canary);
    expect(stdout + stderr).not.toContain(INVENTORY_TOKEN);

    const lines = parseLines(stdout);
    const attempts = lines.filter((line) => 'outcome' in line && line.delivery_id === id);
    expect(
      attempts.map((line) => [line.target, line.activityType, line.attempt, line.outcome]),
    ).toEqual(
      expect.arrayContaining([
        ['inventory', 'deliver', 1, 'transient'],
        ['inventory', 'deliver', 2, 'success'],
        ['shipping', 'deliver', 1, 'permanent'],
        ['inventory', 'compensate', 1, 'success'],
      ]),
    );
    expect(attempts).toHaveLength(4);
    for (const line of attempts) {
      expect([typeof line.status, typeof line.duration_ms]).toEqual(['number', 'number']);
    }
    // The SDK's own lines about an attempt carry the same fields.
    const failed = lines.filter((line) => line.msg === 'Activity failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    for (const line of failed) {
      expect([line.delivery_id, typeof line.target, typeof line.attempt]).toEqual([
        id,
        'string',
        'number',
      ]);
    }
    expect(lines.some((line) => line.msg === 'tandem worker: stopped')).toBe(true);
  }, 180_000);
});
