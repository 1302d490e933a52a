import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { HISTORIES_DIR } from '../support/history';
import { discardPayloads } from '../support/sinks';

describe('recorded histories of the main paths', () => {
  it('replay against today’s workflow code without non-determinism', async () => {
    const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json'));
    // The main paths: completed, retried, compensated both ways, stopped, cancelled, parked;
    // those recorded before the state memo, the history budget and the cancel-after-failure
    // rule (they replay through `patched`), and those recorded after, with their markers; and
    // operators steering runs through updates and signals (retry now, pause, resume, extend,
    // ignored signals, refused signals that leave no trace, retry and resolve as signals).
    expect(files.length).toBeGreaterThanOrEqual(21);
    expect(files).toEqual(
      expect.arrayContaining([
        'completed.json',
        'cancelled.json',
        'resolved.json',
        'history-budget-reached.json',
        'cancelled-after-failure.json',
        'cancelled-while-parked-retried.json',
        'retry-now-update.json',
        'retry-now-signal.json',
        'paused-then-resumed.json',
        'paused-all-across-restart.json',
        'deadline-extended.json',
        'signals-ignored.json',
        'signals-refused.json',
        'resolved-by-signal.json',
        'retried-by-signal.json',
      ]),
    );
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: path.basename(file, '.json'),
        history: JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8')) as unknown,
      })),
    );

    const results = Worker.runReplayHistories(
      {
        workflowBundle: { codePath: inject('workflowBundlePath') },
        sinks: discardPayloads,
      },
      histories,
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
