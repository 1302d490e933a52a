import { describe, expect, it } from 'vitest';
import { Saga, type StepOutcome } from '../../src/workflows/saga';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const done = (): Promise<StepOutcome> => Promise.resolve({ ok: true });
const fails = (error: string) => (): Promise<StepOutcome> => Promise.resolve({ ok: false, error });

/** A step that counts its runs and answers each with the next outcome given. */
function scripted(...outcomes: StepOutcome[]) {
  const step = {
    runs: 0,
    run: (): Promise<StepOutcome> => {
      const outcome = outcomes[step.runs] ?? outcomes[outcomes.length - 1]!;
      step.runs += 1;
      return Promise.resolve(outcome);
    },
  };
  return step;
}

describe('Saga', () => {
  it('runs the steps in parallel: each starts before any other has finished', async () => {
    const saga = new Saga();
    const started: string[] = [];
    const inventory = deferred<StepOutcome>();
    const shipping = deferred<StepOutcome>();
    saga.register('inventory', () => {
      started.push('inventory');
      return inventory.promise;
    });
    saga.register('shipping', () => {
      started.push('shipping');
      return shipping.promise;
    });

    const report = saga.compensate();
    expect(started).toEqual(['inventory', 'shipping']);
    shipping.resolve({ ok: true });
    inventory.resolve({ ok: true });

    expect(await report).toEqual({ undone: ['inventory', 'shipping'], failed: [] });
  });

  it('reports which steps were undone and which failed, with their errors', async () => {
    const saga = new Saga();
    saga.register('inventory', done);
    saga.register('shipping', fails('503 from shipping after 10 attempts'));
    saga.register('billing', done);

    expect(await saga.compensate()).toEqual({
      undone: ['inventory', 'billing'],
      failed: [{ name: 'shipping', error: '503 from shipping after 10 attempts' }],
    });
  });

  it('keeps failed steps pending so a second compensate retries only them', async () => {
    const saga = new Saga();
    const inventory = scripted({ ok: true });
    const shipping = scripted({ ok: false, error: 'timeout' }, { ok: true });
    saga.register('inventory', inventory.run);
    saga.register('shipping', shipping.run);

    expect((await saga.compensate()).failed).toEqual([{ name: 'shipping', error: 'timeout' }]);
    expect(saga.pending).toEqual(['shipping']);

    expect(await saga.compensate()).toEqual({ undone: ['shipping'], failed: [] });
    expect(saga.pending).toEqual([]);
    expect([inventory.runs, shipping.runs]).toEqual([1, 2]);
  });

  it('reports a step that throws as failed with its message, and still finishes the others', async () => {
    const saga = new Saga();
    const shipping = scripted({ ok: true });
    saga.register('inventory', () => Promise.reject(new Error('activity crashed')));
    saga.register('billing', () => {
      throw new Error('could not start');
    });
    saga.register('shipping', shipping.run);

    expect(await saga.compensate()).toEqual({
      undone: ['shipping'],
      failed: [
        { name: 'inventory', error: 'activity crashed' },
        { name: 'billing', error: 'could not start' },
      ],
    });
    expect(shipping.runs).toBe(1);
    expect(saga.pending).toEqual(['inventory', 'billing']);
  });

  it('runs only the named steps, ignoring names that are not pending', async () => {
    const saga = new Saga();
    const inventory = scripted({ ok: true });
    const shipping = scripted({ ok: true });
    saga.register('inventory', inventory.run);
    saga.register('shipping', shipping.run);

    expect(await saga.compensate(['shipping', 'billing'])).toEqual({
      undone: ['shipping'],
      failed: [],
    });
    expect([inventory.runs, shipping.runs]).toEqual([0, 1]);
    expect(saga.pending).toEqual(['inventory']);
  });

  it('does nothing once every step is undone', async () => {
    const saga = new Saga();
    const inventory = scripted({ ok: true });
    saga.register('inventory', inventory.run);
    await saga.compensate();

    expect(await saga.compensate()).toEqual({ undone: [], failed: [] });
    expect(inventory.runs).toBe(1);
  });

  it('runs the latest step registered under a name', async () => {
    const saga = new Saga();
    const first = scripted({ ok: true });
    const second = scripted({ ok: true });
    saga.register('inventory', first.run);
    saga.register('inventory', second.run);

    expect(saga.pending).toEqual(['inventory']);
    await saga.compensate();
    expect([first.runs, second.runs]).toEqual([0, 1]);
  });
});
