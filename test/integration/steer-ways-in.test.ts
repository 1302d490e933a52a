import { userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../../src/client/client';
import type { DeliveryState, LegState } from '../../src/contract/contracts';
import type { ActionRecord } from '../../src/contract/action-record';
import { DeliveryActionRefusedError } from '../../src/contract/action-errors';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';
import { spawnTandem } from '../support/processes';
import { caught, until } from '../support/wait';

const shipping = (state: DeliveryState): LegState =>
  state.legs.find((leg) => leg.target === 'shipping')!;

describe('steering a running delivery from the client, the CLI and the gateway', () => {
  let system: GatewaySystem;
  afterEach(() => system.stop());

  /** A delivery whose shipping leg waits out a 60 s Retry-After. */
  async function waitingOutRetryAfter(): Promise<string> {
    system.targets.setFault('shipping', 'create', { status: 503, retryAfter: '60', times: 1 });
    const id = system.newId();
    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'S-1' } });
    await system.until(id, (s) => shipping(s).retryAt !== undefined);
    return id;
  }

  it('pauses, lists as paused, resumes and retries now with tandem, as the OS user with the note', async () => {
    system = await startGatewaySystem();
    const env = { TANDEM_CONFIG: await system.writeConfigFile() };
    const id = await waitingOutRetryAfter();
    const tandem = async (...args: string[]) => spawnTandem(args, env).exited;

    const paused = await tandem('pause', id, '--leg', 'shipping', '--note', 'maintenance');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain(
      `Delivery ${id}: pause shipping (by ${userInfo().username}: maintenance).`,
    );
    const shown = JSON.parse((await tandem('status', id, '--json')).stdout) as DeliveryState;
    expect(shown.status).toBe('paused');
    expect(shipping(shown).paused).toMatchObject({ by: userInfo().username, note: 'maintenance' });
    expect((await tandem('status', id)).stdout).toMatch(
      /shipping\s+pending \(paused by .+: maintenance; /,
    );
    // Visibility catches up in its own time: wait for it in process, then ask the CLI once.
    await until(
      () => system.client.list({ status: 'paused' }),
      (list) => list.some((d) => d.id === id),
      { timeoutMs: 30_000, message: () => `${id} is not listed as paused` },
    );
    const listed = await tandem('list', '--status', 'paused', '--json');
    expect((JSON.parse(listed.stdout) as DeliverySummary[]).map((d) => d.id)).toContain(id);

    const refused = await tandem('retry-now', id, '--leg', 'shipping');
    expect(refused.code).toBe(6);
    expect(refused.stderr.trim()).toBe(
      // The run names who paused as its input wrote it; reads name the caller Temporal recorded.
      `tandem: shipping is paused (by "${userInfo().username}" (as written): maintenance): resume it instead.`,
    );
    expect((await tandem('resume', id, '--leg', 'shipping')).code).toBe(0);
    expect((await tandem('retry-now', id, '--leg', 'shipping', '--note', 'back up')).code).toBe(0);
    const state = await system.client.result(id);

    expect(state.status).toBe('completed');
    expect(shipping(state).attempts).toBe(2);
    expect(state.actions?.map((a) => [a.action, a.by, a.via])).toEqual([
      ['pause', userInfo().username, 'update'],
      ['resume', userInfo().username, 'update'],
      ['retryNow', userInfo().username, 'update'],
    ]);
    const ended = await tandem('extend', id, '--leg', 'shipping', '--duration', '10m');
    expect(ended.code).toBe(6);
    expect(ended.stderr).toContain(`Delivery "${id}" has ended (completed)`);
    expect((await tandem('extend', id, '--leg', 'shipping', '--duration', 'soon')).code).toBe(2);
  }, 120_000);

  it('steers over HTTP, keeping the API key’s name, refusing with 409 and why, and 400 for a bad body', async () => {
    system = await startGatewaySystem();
    const id = await waitingOutRetryAfter();
    const post = <T>(action: string, json?: unknown) =>
      system.http<T>('POST', `/v1/deliveries/${id}/${action}`, json === undefined ? {} : { json });

    const paused = await post<ActionRecord>('pause', { leg: 'shipping', note: 'maintenance' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ action: 'pause', legs: ['shipping'], via: 'update' });
    // The test gateway's one key is given as a plain string: it is named by its place.
    expect(paused.body.by).toBe('key:apiKeys.0');
    const refused = await post<{ status: number; detail: string }>('retry-now', {
      leg: 'shipping',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(
      `shipping is paused (by "${paused.body.by}" (as written): maintenance): resume it instead.`,
    );
    const bad = await post<{ errors: { path: string }[] }>('extend', {
      leg: 'shipping',
      duration: 'soon',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.path)).toEqual(['duration']);
    const extended = await post<ActionRecord>('extend', { leg: 'shipping', duration: '10m' });
    expect(extended.body).toMatchObject({ action: 'extendDeadline', duration: '10m' });
    expect((await post('resume')).status).toBe(200);
    const now = await post<ActionRecord>('retry-now');
    expect(now.body.legs).toEqual(['shipping']);
    const state = await system.client.result(id);

    expect(state.status).toBe('completed');
    expect(state.actions?.every((a) => a.by === paused.body.by)).toBe(true);
    const error = await caught(DeliveryActionRefusedError, () =>
      system.client.steer(id, 'pause', {}),
    );
    expect(error.message).toBe(
      `Delivery "${id}" has ended (completed): there is nothing to pause.`,
    );
    expect((await post('pause')).status).toBe(409);
  }, 120_000);
});
