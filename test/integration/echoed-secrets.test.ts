import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { historyText } from '../support/history';
import { startHttpTarget, type HttpTarget } from '../support/http-target';
import { startOwnWorkers } from '../support/own-workers';
import { startSystem, type System } from '../support/system';

describe('secrets a target echoes back', () => {
  let system: System;
  let target: HttpTarget;
  let stopWorkers: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stopWorkers?.();
    await system.stop();
    await target.close();
  });

  it('are scrubbed from the kept answer before it reaches history, the memo or the status', async () => {
    const tag = randomUUID().slice(0, 8);
    const secrets = {
      ECHO_TOKEN: `tok-${tag}-token`,
      ECHO_PATH: `p-${tag}-path`,
      ECHO_QUERY: `q-${tag}-query`,
      // All digits: a JSON number, not a string, when echoed as one.
      ECHO_PIN: String(Date.now()),
    };
    // Echoes the Authorization header and the URL in its body and its headers.
    target = await startHttpTarget((request, res) => {
      const auth = request.headers.authorization ?? '';
      const json = request.url.startsWith('/json');
      res.writeHead(201, {
        'content-type': json ? 'application/json' : 'text/plain',
        'x-echo-auth': auth,
        'x-echo-url': request.url,
      });
      res.end(
        json
          ? JSON.stringify({
              id: 'r-1',
              auth,
              url: request.url,
              [auth]: 'as a key',
              pin: Number(request.headers['x-pin']),
            })
          : `got ${auth} at ${request.url}`,
      );
    });
    system = await startSystem(
      (doc) => {
        const url = (kind: string) =>
          `${target.url}/${kind}/\${ECHO_PATH}/reservations?key=\${ECHO_QUERY}`;
        doc.targets.inventory.request.url = url('json');
        doc.targets.inventory.request.headers = {
          Authorization: 'Bearer ${ECHO_TOKEN}',
          'X-Pin': '${ECHO_PIN}',
        };
        doc.targets.shipping.request.url = url('text');
        doc.targets.shipping.request.headers = { Authorization: 'Bearer ${ECHO_TOKEN}' };
      },
      { workers: false },
    );
    stopWorkers = await startOwnWorkers(system, { env: secrets });
    const id = system.newId('echo');

    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1' } });
    const state = await system.client.result(id);

    // The targets did get the secrets, and did echo them.
    expect(state.status).toBe('completed');
    expect(target.received).toHaveLength(2);
    expect(target.received[0]!.url).toContain(secrets.ECHO_QUERY);
    const history = await historyText(system.connection, id);
    const status = JSON.stringify(await system.client.status(id));
    // The answers were kept, with the secrets in their template form.
    expect(history).toContain('Bearer ${ECHO_TOKEN}');
    expect(history).toContain('/${ECHO_PATH}/reservations?key=${ECHO_QUERY}');
    const leaks = Object.entries(secrets).flatMap(([name, value]) =>
      Object.entries({ history, status })
        .filter(([, text]) => text.includes(value))
        .map(([surface]) => `${name} in ${surface}`),
    );
    expect(leaks).toEqual([]);
  }, 120_000);
});
