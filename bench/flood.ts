/**
 * The flood of a hostile row's gateway, in a process of its own: a few busy connections from an
 * address of their own sending in turn a 1 MiB delivery of wide objects nested near the depth
 * limit, a megabyte of `[`, and the 1 MiB body with a wrong API key, to `TANDEM_FLOOD_URL` with
 * the key `TANDEM_FLOOD_KEY` until SIGTERM; then it prints its tally. The app's deliveries
 * through the same gateway, flooded and quiet, are two ordinary rows: the goal is read from their
 * `POST /v1/deliveries` latency and the gateway's peak RSS.
 */
import { randomUUID } from 'node:crypto';
import { setPriority } from 'node:os';
import { Agent, request } from 'undici';
import { MAX_JSON_DEPTH } from '../src/contract/limits';
import { LEG_TARGETS } from './config';
import { announceReady, startChild } from './processes';

const FLOOD_CONNECTIONS = 4;
const FLOOD_TALLY = 'flood-tally ';

export const HOSTILE_GOAL = { p99Ratio: 2, gatewayRssBytes: 300 * 2 ** 20 } as const;

/** Starts the flood of the gateway at `gatewayUrl`; `stop` ends it and returns what it sent. */
export async function startFlood(gatewayUrl: string, key: string) {
  // In a process of its own: the flood's work is not the app client's event loop's.
  const flooding = await startChild('flood', ['bench/flood.ts'], {
    env: { TANDEM_FLOOD_URL: gatewayUrl, TANDEM_FLOOD_KEY: key },
  });
  return {
    async stop(): Promise<FloodTally> {
      await flooding.stop();
      const tally = flooding.output().split(FLOOD_TALLY)[1];
      if (tally === undefined) throw new Error(`the flood printed no tally:\n${flooding.output()}`);
      return JSON.parse(tally) as FloodTally;
    },
  };
}

/** What the flood sent, and its answers by status (`error`: none, a reset connection). */
export type FloodTally = Awaited<ReturnType<ReturnType<typeof flood>['stop']>>;

/**
 * A delivery request whose payload is 1 MiB of wide objects nested `depth` deep: with the
 * request's own object, one level under the depth limit.
 */
export function deepWideBody(bytes = 2 ** 20, depth = MAX_JSON_DEPTH - 2): Buffer {
  const head = `{"id":"flood-${randomUUID()}","targets":["${LEG_TARGETS[0]}"],"payload":`;
  const perLevel = Math.floor((bytes - head.length - 1) / depth);
  // Each level: `{"n":…,"k0":0,"k1":0,…}`, as wide as its share of the bytes allows.
  let keys = '';
  for (let k = 0; keys.length + `,"k${k}":0`.length + 8 < perLevel; k++) keys += `,"k${k}":0`;
  const open = '{"n":'.repeat(depth);
  const close = `0${`${keys}}`.repeat(depth)}`;
  return Buffer.from(`${head}${open}${close}}`);
}

function flood(gatewayUrl: string, key: string) {
  const agent = new Agent({
    connections: FLOOD_CONNECTIONS,
    pipelining: 1,
    // Another loopback address, as another client's: a throttle per client address then tells the
    // flood from the app (127.0.0.1). A client option of its own: undici ignores it in `connect`.
    localAddress: '127.0.0.2',
  });
  const bodies = [
    { body: deepWideBody(), key },
    { body: Buffer.from('['.repeat(1_000_000)), key },
    { body: deepWideBody(), key: `wrong-${randomUUID()}` },
  ];
  const tally = { requests: 0, bytesSent: 0, answers: {} as Record<string, number> };
  const count = (answer: string) => (tally.answers[answer] = (tally.answers[answer] ?? 0) + 1);
  let running = true;
  const lane = async (lane: number) => {
    for (let turn = lane; running; turn++) {
      const { body, key } = bodies[turn % bodies.length]!;
      tally.requests += 1;
      tally.bytesSent += body.length;
      try {
        const answer = await request(`${gatewayUrl}/v1/deliveries`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body,
        });
        await answer.body.dump();
        count(String(answer.statusCode));
      } catch {
        count('error');
      }
    }
  };
  const lanes = Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, (_, i) => lane(i)));
  return {
    async stop() {
      running = false;
      await lanes;
      await agent.close();
      return tally;
    },
  };
}

if (require.main === module) {
  // At the lowest priority: an attacker's CPU is its own machine's, so on this one the flood gets
  // what the gateway and the app leave, and the row measures what answering it costs them.
  setPriority(19);
  const flooding = flood(process.env.TANDEM_FLOOD_URL!, process.env.TANDEM_FLOOD_KEY!);
  announceReady({});
  process.once('SIGTERM', () => {
    void flooding.stop().then((tally) => console.log(`${FLOOD_TALLY}${JSON.stringify(tally)}`));
  });
}
