import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/contract/contracts';
import { freePort } from '../../src/host/machine';
import { spawnTandem, type SpawnedProcess } from '../support/processes';
import { startSystem, type System } from '../support/system';
import { until } from '../support/wait';

const newKey = () => randomBytes(24).toString('hex');

describe('scoped API keys of a real tandem gateway process', () => {
  let system: System;
  let gateway: SpawnedProcess;
  let base: string;
  let keysFile: string;
  let configFile: string;
  const reader = newKey();
  const operator = newKey();

  const call = (method: string, url: string, key: string, body?: unknown) =>
    fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    system = await startSystem((doc) => {
      doc.targets.shipping.retry.maximumAttempts = 0;
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const dir = await mkdtemp(path.join(tmpdir(), 'tandem-keys-'));
    const config = path.join(dir, 'tandem.config.yaml');
    await writeFile(config, stringify({ ...system.document, gateway: { port } }));
    configFile = config;
    keysFile = path.join(dir, 'keys');
    await writeFile(keysFile, `reader:read:${reader}\nops:read+operate:${operator}\n`);
    gateway = spawnTandem(['gateway'], { TANDEM_CONFIG: config, TANDEM_API_KEYS_FILE: keysFile });
    await gateway.waitForOutput('listening on', 60_000);
  }, 120_000);

  afterAll(async () => {
    gateway?.kill('SIGTERM');
    await gateway?.exited;
    await system?.stop();
  });

  it('refuses a cancel with a read-only key (403 naming the scope) and records the key that cancels', async () => {
    system.targets.setFault('shipping', 'create', { status: 503, retryAfter: '60' });
    const id = system.newId();
    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: { n: 1 } });

    expect((await call('GET', `/v1/deliveries/${id}`, reader)).status).toBe(200);
    const refused = await call('POST', `/v1/deliveries/${id}/cancel`, reader, {});
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await refused.json()) as { missingScope: string; keyName: string };
    expect(problem).toMatchObject({ missingScope: 'operate', keyName: 'reader' });
    expect((await system.client.describe(id)).open).toBe(true);

    const cancelled = await call('POST', `/v1/deliveries/${id}/cancel`, operator, {
      reason: 'audit test',
    });
    expect(cancelled.status).toBe(202);
    // The server buffers the request while a workflow task is in flight: wait for its event.
    const handle = new Client({ connection: system.connection }).workflow.getHandle(
      workflowIdFor(id),
    );
    const request = await until(
      async () =>
        (await handle.fetchHistory()).events?.find(
          (e) => e.workflowExecutionCancelRequestedEventAttributes,
        )?.workflowExecutionCancelRequestedEventAttributes,
      (found) => found !== undefined,
      { timeoutMs: 30_000, message: () => 'no cancel request in the history' },
    );
    expect(request).toMatchObject({ identity: 'key:ops', cause: 'audit test' });
  }, 120_000);

  it('shows the key that resolved a parked delivery in its state and in tandem status', async () => {
    system.targets.clearFaults();
    // Inventory's undo is refused for good, so the delivery parks once shipping refuses.
    system.targets.setFault('inventory', 'undo', { status: 400 });
    system.targets.setFault('shipping', 'create', { status: 422 });
    const id = system.newId();
    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: { n: 2 } });
    await system.client.waitFor(id, ['needs_attention'], { timeoutMs: 60_000 });
    system.targets.clearFaults();

    const resolved = await call('POST', `/v1/deliveries/${id}/resolve`, operator, {
      note: 'undone by hand',
    });
    expect(resolved.status).toBe(200);
    const state = await system.client.waitFor(id, ['resolved']);
    expect(state.actions).toEqual([
      expect.objectContaining({ action: 'resolve', by: 'key:ops', note: 'undone by hand' }),
    ]);
    const shown = await spawnTandem(['status', id], { TANDEM_CONFIG: configFile }).exited;
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/resolve\s+key:ops\s+.*undone by hand/);
  }, 120_000);

  it('documents the 403 in its OpenAPI document', async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(document.paths['/v1/deliveries/{id}/cancel']?.post?.responses).toHaveProperty('403');
  });

  it('takes new keys from its keys file on SIGHUP, without a restart', async () => {
    const rotated = newKey();
    await writeFile(keysFile, `reader:read:${rotated}\nops:read+operate:${operator}\n`);
    gateway.child.kill('SIGHUP');
    await until(
      async () => (await call('GET', '/v1/deliveries?limit=1', reader)).status,
      (status) => status === 401,
      { timeoutMs: 30_000, message: (status) => `the old reader key still gets ${status}` },
    );
    expect((await call('GET', '/v1/deliveries?limit=1', rotated)).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();
  }, 60_000);
});
