import { expect } from 'vitest';

/** Options of {@link until}. */
export interface UntilOptions<T> {
  /** Give up after this long; default 15 000 ms. */
  timeoutMs?: number;
  /** Pause between checks; default 100 ms. */
  intervalMs?: number;
  /** What was awaited, for the error; gets the last value seen. */
  message: (last: T) => string;
}

/**
 * Calls `read` until `ready` holds for what it returns, and returns that value. Throws
 * `message(last value)` when `timeoutMs` passes first; an error thrown by `read` ends the wait.
 */
export async function until<T>(
  read: () => Promise<T> | T,
  ready: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 100, message }: UntilOptions<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ready(value)) return value;
    if (Date.now() > deadline) throw new Error(`${message(value)} (waited ${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A class of errors, abstract ones (`TandemError`) included. */
type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/**
 * The error `fn` throws, asserted to be an `ErrorClass`, so a test can check its fields with
 * their types; fails the test when `fn` does not throw. When `fn` returns a promise, so does
 * this, with the error the promise rejects with.
 */
export function caught<E extends Error>(
  errorClass: ErrorClass<E>,
  fn: () => PromiseLike<unknown>,
): Promise<E>;
export function caught<E extends Error>(errorClass: ErrorClass<E>, fn: () => unknown): E;
export function caught<E extends Error>(
  errorClass: ErrorClass<E>,
  fn: () => unknown,
): E | Promise<E> {
  const check = (error: unknown): E => {
    expect(error, `expected a ${errorClass.name}`).toBeInstanceOf(errorClass);
    return error as E;
  };
  const nothingThrown = (): never => {
    throw new Error(`expected a ${errorClass.name}, but nothing was thrown`);
  };
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    return check(error);
  }
  if (isPromiseLike(result)) return Promise.resolve(result).then(nothingThrown, check);
  return nothingThrown();
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
