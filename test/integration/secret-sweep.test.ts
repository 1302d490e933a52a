import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/contract/contracts';
import { startGatewaySystem, type GatewaySystem } from '../support/gateway';
import { historyText } from '../support/history';
import { answerJson, closedPort, startHttpTarget, type HttpTarget } from '../support/http-target';
import { spawnTandem, type SpawnedProcess } from '../support/processes';

/** Distinct, recognizable values: any of them found anywhere outside the worker is a leak. */
function plantSecrets(port: number) {
  const tag = randomUUID().slice(0, 8);
  // Each ends in its own name, so no value is a part of another.
  return {
    SW_USER: `s-${tag}-user`,
    SW_PASS: `s-${tag}-pass`,
    SW_PATH: `s-${tag}-path`,
    SW_QUERY: `s-${tag}-query`,
    SW_HEADER: `s-${tag}-header`,
    SW_COMP_URL: `s-${tag}-comp-url`,
    SW_COMP_HEADER: `s-${tag}-comp-header`,
    SW_COMP_BODY: `s-${tag}-comp-body`,
    SW_REJECT: `s-${tag}-reject`,
    SW_TPL: `s-${tag}-template`,
    // Connection refused at a host and port that are themselves the secret.
    SW_HOST: `127.0.0.1:${port}`,
    SW_BADHOST: `bad host ${tag}`,
    SW_CRLF: `s-${tag}-crlf\r\nX-Injected: yes`,
  };
}
type Secrets = ReturnType<typeof plantSecrets>;

/** The part of each secret that must not appear (a CRLF value is found by its first line). */
const needles = (secrets: Secrets) =>
  Object.entries(secrets).map(([name, value]) => [name, value.split('\r')[0]!] as const);

describe('secrets', () => {
  let system: GatewaySystem;
  let target: HttpTarget;
  let worker: SpawnedProcess | undefined;
  afterEach(async () => {
    worker?.kill('SIGKILL');
    await system.stop();
    await target.close();
  });

  it('never leave the worker: history, describe, status, the gateway and the worker log name templates only', async () => {
    target = await startHttpTarget((request, res) => {
      const { pathname } = new URL(request.url, 'http://x');
      if (pathname.endsWith('/create')) return answerJson(res, 201, '{"id":"v-1"}');
      // Targets that echo what they got: their answers end up in error messages.
      const echo = JSON.stringify({
        url: request.url,
        undo: request.headers['x-undo'],
        body: request.body,
      });
      if (pathname === '/reject') return void setTimeout(() => answerJson(res, 422, echo), 300);
      if (pathname.startsWith('/undo/')) return answerJson(res, 400, echo);
      answerJson(res, 404, '{}');
    });
    const secrets = plantSecrets(await closedPort());
    const base = target.url;
    const noRetry = { initialInterval: '100ms', maximumAttempts: 2, deadline: '30s' };
    system = await startGatewaySystem({
      workers: false,
      tune: (doc) => {
        (doc as { targets: unknown }).targets = {
          vault: {
            request: {
              url: `http://\${SW_USER}:\${SW_PASS}@127.0.0.1:${target.port}/\${SW_PATH}/create?api_key=\${SW_QUERY}`,
              headers: { 'X-Api-Key': '${SW_HEADER}' },
            },
            retry: noRetry,
            compensate: {
              url: `${base}/undo/{{response.body.id}}?k=\${SW_COMP_URL}`,
              headers: { 'X-Undo': '${SW_COMP_HEADER}' },
              body: { note: '${SW_COMP_BODY}', id: '{{response.body.id}}' },
              retry: noRetry,
            },
          },
          rejecter: { request: { url: `${base}/reject?key=\${SW_REJECT}` }, retry: noRetry },
          broken: {
            request: { url: `${base}/broken/create` },
            retry: noRetry,
            compensate: {
              url: `${base}/undo/{{response.body.missing}}?k=\${SW_TPL}`,
              retry: noRetry,
            },
          },
          ghost: { request: { url: 'http://${SW_HOST}/create' }, retry: noRetry },
          mangled: { request: { url: 'http://${SW_BADHOST}/create' }, retry: noRetry },
          crlf: {
            request: { url: `${base}/crlf/create`, headers: { 'X-Sig': '${SW_CRLF}' } },
            retry: noRetry,
          },
        };
      },
    });
    worker = spawnTandem(['worker'], { TANDEM_CONFIG: await system.writeConfigFile(), ...secrets });
    await worker.waitForOutput('tandem worker: polling', 120_000);
    const parked = system.newId('parked');
    const failed = system.newId('failed');

    await system.client.start({
      id: parked,
      targets: ['vault', 'rejecter', 'broken'],
      payload: {},
    });
    await system.client.start({ id: failed, targets: ['ghost', 'mangled', 'crlf'], payload: {} });
    const settled = (s: { status: string; legs: { status: string }[] }) =>
      s.status !== 'running' &&
      s.legs.every((leg) => !['pending', 'in_flight', 'compensating'].includes(leg.status));
    const parkedState = await system.until(parked, settled, 90_000);
    const failedState = await system.until(failed, settled, 90_000);

    // The failures really happened (not sent is not "outcome unknown"), told in template form.
    expect(parkedState.status).toBe('needs_attention');
    expect(failedState.status).toBe('compensated');
    expect(failedState.legs.map((leg) => leg.outcomeUnknown)).toEqual([false, false, false]);
    const told = JSON.stringify([parkedState, failedState]);
    expect(told).toContain('reject?key=${SW_REJECT}');
    expect(told).toContain('k=${SW_COMP_URL}');
    expect(told).toContain('undo/{{response.body.missing}}?k=${SW_TPL}');
    expect(told).toContain('http://${SW_HOST}/create could not connect (ECONNREFUSED)');
    expect(told).toContain('http://${SW_BADHOST}/create was not sent');
    expect(told).toContain('header x-sig (${SW_CRLF})');
    const sent = target.received
      .map((r) => `${r.url} ${JSON.stringify(r.headers)} ${r.body}`)
      .join('\n');
    expect(sent).toContain(secrets.SW_QUERY);
    expect(sent).toContain(secrets.SW_COMP_BODY);
    expect(target.received.some((r) => r.url.startsWith('/crlf'))).toBe(false);

    const temporal = new Client({ connection: system.connection });
    const surfaces: Record<string, string> = {};
    for (const id of [parked, failed]) {
      const handle = temporal.workflow.getHandle(workflowIdFor(id));
      const description = await handle.describe();
      const metadata = await handle.query('__temporal_workflow_metadata');
      surfaces[`history ${id}`] = await historyText(system.connection, id);
      surfaces[`describe ${id}`] =
        JSON.stringify(description.raw) +
        JSON.stringify(description.memo) +
        JSON.stringify(metadata);
      surfaces[`client status ${id}`] = JSON.stringify(await system.client.status(id));
      surfaces[`gateway GET ${id}`] = JSON.stringify(
        (await system.http('GET', `/v1/deliveries/${id}`)).body,
      );
    }
    worker.kill('SIGTERM');
    const { stdout, stderr } = await worker.exited;
    worker = undefined;
    surfaces['worker log'] = stdout + stderr;
    expect(surfaces['worker log']).toContain('Activity failed');
    expect(surfaces[`history ${parked}`]).toContain('stackTrace');

    const leaks = Object.entries(surfaces).flatMap(([surface, text]) =>
      needles(secrets)
        .filter(([, value]) => text.includes(value))
        .map(([name]) => `${name} in ${surface}`),
    );
    expect(leaks).toEqual([]);
  }, 240_000);
});
