import { describe, expect, it } from 'vitest';
import { parseBenchArgs, rowsFor } from '../../bench/options';
import { SCALING } from '../../bench/matrix';
import { parseStat, treeCpuTicks, type ProcStat } from '../../bench/processes';
import { parseServerCounters, sumCounters } from '../../bench/server';

describe('bench flags', () => {
  it('runs the standard matrix on the dev server with one worker process by default', () => {
    const options = parseBenchArgs([]);
    expect(options).toMatchObject({ cluster: false, scaling: false });
    const { rows, skipped } = rowsFor(options);
    expect(skipped).toEqual([]);
    expect(rows.every((row) => row.setup.workerProcesses === undefined)).toBe(true);
  });

  it('gives every row the shards and worker processes asked for', () => {
    const { rows } = rowsFor(
      parseBenchArgs(['--cluster', '--quick', '--shards', '16', '--worker-processes', '3']),
    );
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      expect(row.setup).toMatchObject({ historyShards: 16, workerProcesses: 3 });
    }
  });

  it('reads every kebab-case flag into its option, and refuses unknown flags', () => {
    const options = parseBenchArgs([
      ...['--latency-ms', '5', '--eager-start', '--cpu-prof', '/tmp/profiles'],
      ...['--workflow-pollers', 'autoscaling', '--activity-pollers', '3', '--transfer-reads', '7'],
      ...['--bulkhead', 'off', '--json', '--out', 'report.json', '--cache', '0'],
    ]);
    expect(options).toMatchObject({
      latencyMs: 5,
      eagerStart: true,
      cpuProf: '/tmp/profiles',
      workflowPollers: 'autoscaling',
      activityPollers: 3,
      transferReads: 7,
      bulkhead: 'off',
      json: true,
      out: 'report.json',
      cache: 0,
      quick: false,
    });
    expect(() => parseBenchArgs(['--latency', '5'])).toThrow(/latency/);
    expect(() => parseBenchArgs(['--quick=yes'])).toThrow(/quick/);
  });

  it('accepts several worker processes on the dev server too', () => {
    expect(parseBenchArgs(['--worker-processes', '2']).workerProcesses).toBe(2);
  });

  it.each([
    [['--cluster', '--shards', '0'], 'give --shards a whole number from 1 to 1024'],
    [['--cluster', '--shards', 'many'], 'give --shards a whole number from 1 to 1024'],
    [['--cluster', '--shards', '2.5'], 'give --shards a whole number from 1 to 1024'],
    [['--worker-processes', '0'], 'give --worker-processes a whole number from 1 to 32'],
    [['--worker-processes', '33'], 'give --worker-processes a whole number from 1 to 32'],
    [['--shards', '4'], '--shards sets the history shards of the bench cluster: add --cluster'],
    [['--scaling'], '--scaling runs on the bench cluster: add --cluster'],
    [['--cluster', '--scaling', '--shards', '4'], 'drop --shards'],
    [
      ['--cluster', '--scaling', '--worker-processes', '2', '--levers'],
      'drop --worker-processes, --levers',
    ],
    [['--cluster', '--partitions', '2'], '--partitions is a dev-server lever'],
  ])('refuses %j, saying what to change', (args, message) => {
    expect(() => parseBenchArgs(args)).toThrow(message);
  });

  it('skips the dev-server levers (partitions, transfer reads) on the cluster, with the reason', () => {
    const onDev = rowsFor(parseBenchArgs(['--levers', '--quick']));
    const onCluster = rowsFor(parseBenchArgs(['--levers', '--quick', '--cluster']));
    const devOnly = (row: (typeof onDev.rows)[number]) =>
      row.setup.partitions !== undefined || row.setup.transferReads !== undefined;
    expect(onDev.rows.filter((row) => row.setup.partitions !== undefined).length).toBeGreaterThan(
      0,
    );
    expect(
      onDev.rows.filter((row) => row.setup.transferReads !== undefined).length,
    ).toBeGreaterThan(0);
    expect(onCluster.rows.map((row) => row.name)).toEqual(
      onDev.rows.filter((row) => !devOnly(row)).map((row) => row.name),
    );
    expect(onCluster.skipped).toHaveLength(onDev.rows.filter(devOnly).length);
    expect(onCluster.skipped).toContainEqual(
      expect.stringMatching(
        /^1 partition, idle: skipped on the cluster \(task-queue partitions and transfer reads are dev-server levers/,
      ),
    );
  });

  it('parks --parked N deliveries, uncapped, and refuses a count that is not a positive whole number', () => {
    const { rows } = rowsFor(parseBenchArgs(['--only', 'parked', '--parked', '10000']));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ group: 'parked', deliveries: 10_000 });
    expect(rows[0]!.capMs).toBeUndefined();
    expect(() => parseBenchArgs(['--parked', '0'])).toThrow(/give --parked a whole number/);
  });

  it('refuses --transfer-reads on the cluster and a rate that is not a positive whole number', () => {
    expect(() => parseBenchArgs(['--cluster', '--transfer-reads', '100'])).toThrow(
      /--transfer-reads is a dev-server lever/,
    );
    expect(() => parseBenchArgs(['--transfer-reads', '0'])).toThrow(/transferReads/);
    expect(parseBenchArgs(['--transfer-reads', '100']).transferReads).toBe(100);
  });

  it.each([[[]], [['--quick']], [['--levers']], [['--levers', '--quick']]])(
    'gives every row of %j what its kind runs on: lanes and a count or time, or a rate',
    (args) => {
      const { rows } = rowsFor(parseBenchArgs(args));
      for (const row of rows) {
        if (row.kind === 'open' || row.kind === 'hostile') {
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
    const full = rowsFor(parseBenchArgs([])).rows;
    const quick = rowsFor(parseBenchArgs(['--quick'])).rows;
    const named = (rows: typeof full, name: string) => rows.find((row) => row.name === name);

    expect(quick.length).toBeLessThan(full.length);
    expect(named(quick, 'idle 20 ms')).toMatchObject({ deliveries: 20, capMs: 2_000 });
    expect(named(full, 'idle 20 ms')).toMatchObject({ deliveries: 100, capMs: 6_000 });
    expect(named(quick, 'sustained c=50 8 s')).toMatchObject({ durationMs: 8_000 });
    expect(named(full, 'sustained c=50 60 s')).toMatchObject({ durationMs: 60_000 });
    expect(named(quick, 'idle 500 ms')).toBeUndefined();
    expect(named(full, 'idle 500 ms')).toMatchObject({ deliveries: 12, capMs: 10_000 });
  });

  it('crosses every count of shards with every count of worker processes, shards outermost', () => {
    const { rows } = rowsFor(parseBenchArgs(['--cluster', '--scaling']));
    expect(rows.map((row) => [row.setup.historyShards, row.setup.workerProcesses])).toEqual(
      SCALING.historyShards.flatMap((shards) =>
        SCALING.workerProcesses.map((processes) => [shards, processes]),
      ),
    );
    for (const row of rows) {
      expect(row).toMatchObject({ concurrency: 50, latencyMs: 20, legs: 2, durationMs: 20_000 });
      expect(row.setup.starter).toBe('client');
    }
  });
});

/** A stat line as the kernel writes it: pid (comm) state ppid … utime stime cutime cstime … */
function statLine(
  pid: number,
  comm: string,
  ppid: number,
  times: [number, number, number, number],
) {
  const [utime, stime, cutime, cstime] = times;
  return `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 100 1000 10`;
}

describe('CPU from /proc', () => {
  it('reads a stat line whose command name holds spaces and parentheses', () => {
    expect(parseStat(statLine(42, 'postgres: (walwriter) x', 7, [120, 30, 5, 2]))).toEqual({
      pid: 42,
      ppid: 7,
      utime: 120,
      stime: 30,
      cutime: 5,
      cstime: 2,
    });
  });

  it('refuses what is not a stat line', () => {
    expect(() => parseStat('no such thing')).toThrow('Not a /proc/<pid>/stat line');
  });

  it('sums a process tree: live descendants, and the exited children each one waited for', () => {
    const stats: ProcStat[] = [
      statLine(10, 'postgres', 1, [100, 50, 400, 100]),
      statLine(11, 'postgres: checkpointer', 10, [5, 5, 0, 0]),
      statLine(12, 'postgres: temporal temporal', 10, [30, 10, 0, 0]),
      statLine(13, 'child of a backend', 12, [1, 1, 0, 0]),
      statLine(20, 'somebody else', 1, [9999, 9999, 0, 0]),
    ].map(parseStat);
    expect(treeCpuTicks(stats, 10)).toBe(100 + 50 + 400 + 100 + 10 + 40 + 2);
    expect(treeCpuTicks(stats, 12)).toBe(42);
  });

  it('keeps the sum when a backend exits and its parent reaps it between two readings', () => {
    const before = [
      statLine(10, 'postgres', 1, [100, 50, 0, 0]),
      statLine(12, 'postgres: backend', 10, [30, 10, 0, 0]),
    ].map(parseStat);
    const after = [statLine(10, 'postgres', 1, [100, 50, 30, 10])].map(parseStat);
    expect(treeCpuTicks(after, 10)).toBe(treeCpuTicks(before, 10));
  });

  it('says so when the root process is not among those read', () => {
    expect(() => treeCpuTicks([], 10)).toThrow('No process 10');
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

  it("adds a cluster's services up into one server's counters", () => {
    const readings = [exposition(4, 0), exposition(10, 3), ''].map(parseServerCounters);
    expect(sumCounters(readings)).toEqual({
      poll_success: 16,
      poll_success_sync: 0,
      workflow_eager_execution: 3,
      activity_eager_execution: 0,
    });
  });
});
