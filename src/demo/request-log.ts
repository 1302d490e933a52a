import type { DemoApi, DemoOperation } from './apis';

/** How a logged request was handled. */
export type RequestOutcome = 'processed' | 'replayed' | 'faulted' | 'rejected';

/** One request received by the demo targets, as logged by `DemoTargets.received`. */
export interface ReceivedRequest {
  /** Absent when the path matched no demo API operation (answered 404). */
  readonly api?: DemoApi;
  readonly operation?: DemoOperation;
  readonly method: string;
  /** Path and query string as sent. */
  readonly path: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body parsed as JSON, the raw text when it is not JSON, `undefined` when empty. */
  readonly body: unknown;
  /** `Date.now()` when the request arrived. */
  readonly at: number;
  /**
   * `processed`: acted on (created, deleted, or 404 for an unknown id); `replayed`: answered
   * from the stored answer of an earlier request with the same `Idempotency-Key`; `faulted`:
   * answered by an injected fault; `rejected`: malformed body or unknown route.
   * Absent while a duplicate waits for the first request with its key.
   */
  readonly outcome?: RequestOutcome;
  /** `Date.now()` when the answer was sent; absent while pending or when it never was. */
  readonly answeredAt?: number;
  /** Status sent; absent while pending or when the answer was never sent. */
  readonly status?: number;
}

/** A logged request while it is handled: the server fills in its outcome and answer. */
export type LogEntry = { -readonly [K in keyof ReceivedRequest]: ReceivedRequest[K] };

/** Options of {@link RequestLog.waitFor}. */
export interface WaitForOptions {
  /** How many logged requests must match; default 1. */
  readonly count?: number;
  /** Give up after this long; default 10 000 ms. */
  readonly timeoutMs?: number;
}

/** Every request to the demo APIs, in arrival order, and waits on it. */
export interface RequestLog {
  /** Logs a request that has just arrived. */
  add(entry: LogEntry): void;
  /** Re-checks the waits after an entry changed (outcome decided, answer sent). */
  changed(): void;
  /** Copies of the entries, optionally narrowed to one API and operation. */
  received(api?: DemoApi, operation?: DemoOperation): ReceivedRequest[];
  /** The entries themselves, for `GET /_log`. */
  entries(): readonly ReceivedRequest[];
  /** See `DemoTargets.waitFor`. */
  waitFor(
    predicate: (request: ReceivedRequest) => boolean,
    options?: WaitForOptions | number,
  ): Promise<ReceivedRequest[]>;
  /** Rejects every pending wait: the server is stopping. */
  abandonWaits(): void;
}

interface Waiter {
  check(): void;
  abandon(reason: Error): void;
}

/** An empty {@link RequestLog}. */
export function createRequestLog(): RequestLog {
  const log: LogEntry[] = [];
  const waiters = new Set<Waiter>();
  const changed = (): void => {
    for (const waiter of waiters) waiter.check();
  };

  const waitFor: RequestLog['waitFor'] = (predicate, waitOptions = {}) => {
    const { count = 1, timeoutMs = 10_000 } =
      typeof waitOptions === 'number' ? { timeoutMs: waitOptions } : waitOptions;
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      const waiter: Waiter = {
        check: () => {
          let matches: LogEntry[];
          try {
            matches = log.filter(predicate);
          } catch (error) {
            waiter.abandon(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (matches.length < count) return;
          finish();
          resolve(matches.map((e) => ({ ...e })));
        },
        abandon: (reason) => {
          finish();
          reject(reason);
        },
      };
      const timer = setTimeout(() => {
        const wanted = `${count} matching request${count === 1 ? '' : 's'}`;
        const error = `Timed out after ${timeoutMs} ms waiting for ${wanted} to the demo targets; received: ${describeLog(log)}`;
        waiter.abandon(new Error(error));
      }, timeoutMs);
      waiters.add(waiter);
      waiter.check();
    });
  };

  return {
    add(entry) {
      log.push(entry);
      changed();
    },
    changed,
    received: (api, operation) =>
      log
        .filter(
          (e) =>
            (api === undefined || e.api === api) &&
            (operation === undefined || e.operation === operation),
        )
        .map((e) => ({ ...e })),
    entries: () => log,
    waitFor,
    abandonWaits() {
      for (const waiter of waiters) {
        const error = `The demo targets stopped before the awaited requests arrived; received: ${describeLog(log)}`;
        waiter.abandon(new Error(error));
      }
    },
  };
}

function describeLog(log: readonly ReceivedRequest[]): string {
  if (log.length === 0) return 'nothing';
  return log.map((e) => `${e.method} ${e.path} → ${e.status ?? e.outcome ?? 'pending'}`).join('; ');
}
