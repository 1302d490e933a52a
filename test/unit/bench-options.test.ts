import { describe, expect, it } from 'vitest';
import { parseBenchArgs, rowsFor } from '../../bench/options';
import { statCpuMs } from '../../bench/processes';
import { counterDelta, parseServerCounters } from '../../bench/server';

describe('bench flags', () => {
  it('reads every flag into its option, and refuses unknown flags', () => {
    const options = parseBenchArgs([
      ...['--parked', '5', '--quick', '--out', 'report.json', '--only', 'c=', '--skip', 'c=1 '],
    ]);
    expect(options).toMatchObject({
      parked: 5,
      quick: true,
      out: 'report.json',
      only: 'c=',
      skip: 'c=1 ',
    });
    expect(() => parseBenchArgs(['--latency-ms', '5'])).toThrow(/latency-ms/);
    expect(() => parseBenchArgs(['--quick=yes'])).toThrow(/quick/);
    expect(() => parseBenchArgs(['--cluster'])).toThrow(/cluster/);
  });

  it('keeps the rows --only names and drops those --skip names', () => {
    const names = rowsFor(parseBenchArgs(['--only', 'c=', '--skip', 'c=1 '])).map((r) => r.name);
    expect(names).toContain('c=10 20 ms');
    expect(names).toContain('fast: c=50 20 ms');
    expect(names).not.toContain('c=1 20 ms');
    expect(names).not.toContain('idle 20 ms');
  });

  it('parks --parked N deliveries, uncapped, and refuses a count that is not a positive whole number', () => {
    const rows = rowsFor(parseBenchArgs(['--only', 'parked', '--parked', '10000']));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'parked', deliveries: 10_000 });
    expect(rows[0]!.capMs).toBeUndefined();
    expect(() => parseBenchArgs(['--parked', '0'])).toThrow(/give --parked a whole number/);
  });

  it.each([[[]], [['--quick']]])(
    'gives every row of %j what its kind runs on: lanes and a count or time, or a rate',
    (args) => {
      const rows = rowsFor(parseBenchArgs(args));
      for (const row of rows) {
        if (row.kind === 'open') {
          expect(row.ratePerSecond, row.name).toBeGreaterThan(0);
          expect(row.durationMs, row.name).toBeGreaterThan(0);
        } else {
          expect(row.concurrency, row.name).toBeGreaterThan(0);
          expect((row.deliveries ?? row.durationMs ?? 0) > 0, row.name).toBe(true);
        }
      }
      expect(new Set(rows.map((row) => row.name)).size).toBe(rows.length);
    },
  );

  it('sizes --quick down and leaves out the rows only the full matrix runs', () => {
    const full = rowsFor(parseBenchArgs([]));
    const quick = rowsFor(parseBenchArgs(['--quick']));
    const named = (rows: typeof full, name: string) => rows.find((row) => row.name === name);

    expect(quick.length).toBeLessThan(full.length);
    expect(named(quick, 'idle 20 ms')).toMatchObject({ deliveries: 20, capMs: 2_000 });
    expect(named(full, 'idle 20 ms')).toMatchObject({ deliveries: 100, capMs: 6_000 });
    expect(named(quick, 'sustained c=50 8 s')).toMatchObject({ durationMs: 8_000 });
    expect(named(full, 'sustained c=50 60 s')).toMatchObject({ durationMs: 60_000 });
    expect(named(quick, 'idle 500 ms')).toBeUndefined();
    expect(named(full, 'idle 500 ms')).toMatchObject({ deliveries: 12, capMs: 10_000 });
  });
});

/** A stat line as the kernel writes it: pid (comm) state ppid … utime stime cutime cstime … */
const statLine = (comm: string, utime: number, stime: number) =>
  `42 (${comm}) S 7 42 42 0 -1 4194560 100 0 0 0 ${utime} ${stime} 5 2 20 0 1 0 100 1000 10`;

describe('CPU from /proc', () => {
  it('reads a stat line whose command name holds spaces and parentheses', () => {
    expect(statCpuMs(statLine('node (bench) x', 120, 30))).toBe(1500);
  });

  it('refuses what is not a stat line', () => {
    expect(() => statCpuMs('no such thing')).toThrow('Not a /proc/<pid>/stat line');
  });
});

describe('server counters', () => {
  const exposition = (pollSuccess: number, eager: number) =>
    [
      '# HELP poll_success poll_success counter',
      '# TYPE poll_success counter',
      `poll_success{namespace="default",operation="PollWorkflowTaskQueue",service_name="matching"} ${pollSuccess}`,
      `poll_success{namespace="default",operation="PollActivityTaskQueue",service_name="matching"} 1`,
      `workflow_eager_execution{namespace="default",service_name="frontend"} ${eager}`,
      'poll_success_sync_latency_bucket{le="0.1"} 99',
      'pending_polls 3',
    ].join('\n');

  it('sums a counter over its labels and ignores other metrics', () => {
    expect(parseServerCounters(exposition(4, 2))).toEqual({
      poll_success: 5,
      poll_success_sync: 0,
      workflow_eager_execution: 2,
      activity_eager_execution: 0,
    });
  });

  it('gives the difference of two readings per delivery', () => {
    const [before, after] = [exposition(4, 0), exposition(24, 10)].map(parseServerCounters);
    expect(counterDelta(after!, before!, 10)).toEqual({
      poll_success: 2,
      poll_success_sync: 0,
      workflow_eager_execution: 1,
      activity_eager_execution: 0,
    });
  });
});
