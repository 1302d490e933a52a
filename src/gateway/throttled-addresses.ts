/**
 * Client addresses throttled for failing to authenticate, and the bare-socket answers the gateway
 * gives before (or instead of) HTTP parsing.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { AUTH_FAILURES_PER_ADDRESS, AUTH_FAILURE_WINDOW_MS } from '../contract/limits';
import { ProblemError } from './problems';

/** A 429 for an address that failed to authenticate too often. */
export function tooManyFailures(retryAfterSeconds: number): ProblemError {
  return new ProblemError(
    'too-many-requests',
    `More than ${AUTH_FAILURES_PER_ADDRESS} failed authentications from this address in ` +
      `${AUTH_FAILURE_WINDOW_MS / 1000}s: no credential is checked from it for ` +
      `${retryAfterSeconds}s. Check the API key the client sends.`,
    { headers: { 'retry-after': String(Math.max(1, retryAfterSeconds)) } },
  );
}

/** A problem as a whole HTTP/1.1 answer that closes its connection, for a bare socket. */
export function rawAnswer(problem: ProblemError): string {
  const body = JSON.stringify(problem.body());
  const headers = Object.entries(problem.extras.headers ?? {})
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n${headers}` +
    `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

/** Most addresses kept as throttled at once; the oldest make room. */
const THROTTLED_ADDRESSES_KEPT = 10_000;

/**
 * Addresses throttled for failing to authenticate, until when: a new connection from one is
 * answered 429 and closed as it opens, before a byte of it is read, so a flood of requests
 * from there costs the gateway an accept each, not their bodies.
 */
export class ThrottledAddresses {
  private readonly until = new Map<string, number>();

  throttle(address: string, forMs: number): void {
    this.until.delete(address);
    if (this.until.size >= THROTTLED_ADDRESSES_KEPT) {
      this.until.delete(this.until.keys().next().value!);
    }
    this.until.set(address, Date.now() + forMs);
  }

  /** Seconds left of the address's throttle, or undefined when it is not throttled. */
  secondsLeft(address: string): number | undefined {
    const until = this.until.get(address);
    if (until === undefined) return undefined;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.until.delete(address);
    return undefined;
  }

  /** Answers a connection from a throttled address 429 and closes it at once. */
  refuseConnections(app: FastifyInstance): void {
    app.server.on('connection', (socket: Socket) => {
      const left =
        socket.remoteAddress === undefined
          ? undefined
          : this.secondsLeft(normalizeIP(socket.remoteAddress));
      if (left === undefined) return;
      // Nothing from it is read: the answer is written, then the connection is dropped.
      socket.pause();
      socket.write(rawAnswer(tooManyFailures(left)), () => socket.destroy());
    });
  }
}
