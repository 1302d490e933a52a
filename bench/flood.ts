/**
 * The hostile row's flood: a client that keeps a few connections busy, from an address of its
 * own, sending in turn a 1 MiB delivery of wide objects nested near the depth limit, a megabyte
 * of `[`, and the 1 MiB body with a wrong API key, each as soon as the last was answered.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { MAX_JSON_DEPTH } from '../src/contract/limits';
import { LEG_TARGETS } from './config';

const MIB = 1024 * 1024;
/** Connections the flood keeps busy, each sending its next request as soon as one is answered. */
const FLOOD_CONNECTIONS = 4;
/** Levels of the deep payload: with the request's own object, one under the depth limit. */
const FLOOD_DEPTH = MAX_JSON_DEPTH - 2;
// The flood comes from another loopback address, as another client would: a throttle per
// client address then tells it from the app (127.0.0.1).
const FLOOD_ADDRESS = '127.0.0.2';
/** How the flood process starts the line of its tally, printed as it stops. */
export const FLOOD_TALLY = 'flood-tally ';

/** What the flood sent and what it got back. */
export interface FloodTally {
  requests: number;
  bytesSent: number;
  /** Answers by status, and `error` for requests that got none (a reset connection). */
  answers: Record<string, number>;
}

/** A delivery request whose payload is 1 MiB of wide objects nested `FLOOD_DEPTH` deep. */
export function deepWideBody(bytes = MIB, depth = FLOOD_DEPTH): Buffer {
  const head = `{"id":"flood-${randomUUID()}","targets":["${LEG_TARGETS[0]}"],"payload":`;
  const perLevel = Math.floor((bytes - head.length - 1) / depth);
  // Each level: `{"n":…,"k0":0,"k1":0,…}`, as wide as its share of the bytes allows.
  let keys = '';
  for (let k = 0; keys.length + `,"k${k}":0`.length + 8 < perLevel; k++) keys += `,"k${k}":0`;
  const open = '{"n":'.repeat(depth);
  const close = `0${`${keys}}`.repeat(depth)}`;
  return Buffer.from(`${head}${open}${close}}`);
}

/** Floods the gateway until `stop` is called; resolves to what it sent. */
export function flood(gatewayUrl: string, key: string): { stop(): Promise<FloodTally> } {
  const agent = new Agent({
    connections: FLOOD_CONNECTIONS,
    pipelining: 1,
    // A client option of its own: undici does not take it from `connect`.
    localAddress: FLOOD_ADDRESS,
  });
  const bodies = [
    { body: deepWideBody(), key },
    { body: Buffer.from('['.repeat(1_000_000)), key },
    { body: deepWideBody(), key: `wrong-${randomUUID()}` },
  ];
  const tally: FloodTally = { requests: 0, bytesSent: 0, answers: {} };
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
