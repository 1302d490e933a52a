import type { Answer } from './http';

/**
 * Answers stored by `Idempotency-Key` (scoped by the caller, e.g. per API and operation), and
 * the keys whose first request is still being answered.
 */
export interface IdempotencyStore {
  /**
   * The stored answer for `key`, once any request with that key still pending has been
   * answered (or its client has gone); `undefined` when the key is new.
   */
  previous(key: string): Promise<Answer | undefined>;
  /**
   * Stores `answer` for `key` at once, and holds later requests with the key until `answered`
   * settles; returns a promise that settles with it.
   */
  remember(key: string, answer: Answer, answered: Promise<void>): Promise<void>;
}

/** An empty {@link IdempotencyStore}. */
export function createIdempotencyStore(): IdempotencyStore {
  const stored = new Map<string, Answer>();
  const settling = new Map<string, Promise<void>>();
  return {
    async previous(key) {
      for (let pending = settling.get(key); pending; pending = settling.get(key)) await pending;
      return stored.get(key);
    },
    remember(key, answer, answered) {
      stored.set(key, answer);
      const settled = answered.finally(() => settling.delete(key));
      settling.set(key, settled);
      return settled;
    },
  };
}
