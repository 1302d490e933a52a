import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/bench-report';
import { COST_COLUMNS, LATENCY_COLUMNS, table } from '../../bench/columns';
import { formatReport } from '../../bench/report';
import type { RowReport, RunReport } from '../../bench/row';

function run(name: RunReport['name'], p50Ms: number): RunReport {
  return {
    name,
    count: 10,
    wallMs: 1000,
    perSecond: 10,
    p50Ms,
    p95Ms: p50Ms * 2,
    p99Ms: p50Ms * 3,
    failures: [],
    phasesP50Ms: { toFirstRequest: 5, atTargets: 20, afterLastAnswer: 7 },
    cpuMsPerDelivery: { server: 30, worker: 20, driver: 2, targets: 1 },
  };
}

function row(name: string, extra: Partial<RowReport> = {}): RowReport {
  return {
    name,
    group: 'idle',
    concurrency: 1,
    latencyMs: 20,
    legs: 2,
    setup: { starter: 'client' },
    loadAverage1m: 1.5,
    runs: [run('tandem', 60), run('baseline', 20)],
    ratio: { p50: 3, p99: 3, perSecond: 1 },
    history: { sampled: 5, events: 20, bytes: 6000, workflowTasks: 2, activityTasks: 2 },
    serverPerDelivery: {
      poll_success: 4,
      poll_success_sync: 0,
      workflow_eager_execution: 0,
      activity_eager_execution: 0,
    },
    workerRssPeakBytes: 300 * 2 ** 20,
    workerProcesses: 1,
    workerRssPeakBytesPerProcess: [300 * 2 ** 20],
    workerRssPeakSumBytes: 300 * 2 ** 20,
    ...extra,
  };
}

/** A Markdown line's cells, as written (padded). */
const padded = (line: string) => line.slice(2, -2).split(' | ');
const cells = (line: string) => padded(line).map((cell) => cell.trim());

describe('the bench report', () => {
  it('shows each column with the same heading and figures on the terminal and in Markdown', () => {
    const rows = [row('idle 20 ms'), row('c=10 20 ms')];
    const terminal = table(LATENCY_COLUMNS, rows, 'terminal');
    const [heading, rule, ...lines] = table(LATENCY_COLUMNS, rows, 'markdown');

    expect([heading!, ...lines].map((line) => padded(line).join('  '))).toEqual(terminal);
    expect(cells(heading!).slice(0, 8)).toEqual([
      'row',
      'n',
      'deliveries/s',
      'bare deliveries/s',
      'p50 ms',
      'bare p50 ms',
      'p50 ×',
      'p99 ms',
    ]);
    expect(cells(lines[0]!)).toEqual([
      'idle 20 ms',
      '10',
      '10.0',
      '10.0',
      '60.0',
      '20.0',
      '3.00',
      '180.0',
      '60.0',
      '3.00',
      '',
      '0',
      '1.50',
    ]);
    expect(rule).toMatch(/^\| -+ \| -+: \|/);
  });

  it('adds the per-process server CPU and the RSS sum only to reports that have them', () => {
    const plain = cells(table(COST_COLUMNS, [row('idle')], 'markdown')[0]!);
    const cluster = row('idle', {
      workerProcesses: 2,
      runs: [{ ...run('tandem', 60), serverCpuMsPerDelivery: { history: 9 } }, run('baseline', 20)],
    });
    const full = cells(table(COST_COLUMNS, [cluster], 'markdown')[0]!);

    expect(plain).not.toContain('· history');
    expect(plain).not.toContain('RSS sum MiB');
    expect(full).toEqual(expect.arrayContaining(['· history', '· postgres', 'RSS sum MiB']));
    expect(full.length).toBe(plain.length + 6);
  });

  it('shows the scaling table of the scaling rows, by shards and worker processes', () => {
    const report = {
      host: { cpus: 2, model: 'test', loadAverage1m: 1 },
      server: 'cluster',
      durationS: 60,
      skipped: [],
      rows: [
        row('idle 20 ms'),
        row('4 shards, 2 workers', { group: 'scaling', historyShards: 4, workerProcesses: 2 }),
      ],
    } as unknown as BenchReport;
    const text = formatReport(report, 'markdown');
    const scaling = text.slice(text.indexOf('Scaling:')).split('\n');

    expect(formatReport({ ...report, rows: [row('idle 20 ms')] }, 'markdown')).not.toContain(
      'Scaling:',
    );
    expect(cells(scaling[2]!).slice(0, 3)).toEqual(['shards', 'worker procs', 'n']);
    expect(cells(scaling[4]!).slice(0, 4)).toEqual(['4', '2', '10', '10.0']);
    expect(scaling[5]).toBeUndefined();
  });
});
