import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { formatReport, LATENCY_COLUMNS, table, type BenchReport } from '../../bench/columns';
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
    concurrency: 1,
    latencyMs: 20,
    legs: 2,
    setup: { starter: 'client' },
    loadAverage1m: 1.5,
    runs: [run('tandem', 60), run('baseline', 20)],
    ratio: { p50: 3, p99: 3, perSecond: 1 },
    history: { events: 20, bytes: 6000, workflowTasks: 2 },
    serverPerDelivery: {
      poll_success: 4,
      poll_success_sync: 0,
      workflow_eager_execution: 0,
      activity_eager_execution: 0,
    },
    workerRssPeakBytes: 300 * 2 ** 20,
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

  it('renders the committed results that BENCHMARKS.md reports, with a line per row', async () => {
    const text = await readFile(path.join(__dirname, '../../bench/results/standard.json'), 'utf8');
    const report = JSON.parse(text) as BenchReport;
    const markdown = formatReport(report, 'markdown').split('\n');

    for (const row of report.rows) {
      expect(markdown.filter((line) => line.startsWith(`| ${row.name} `))).toHaveLength(2);
    }
    expect(markdown.join('\n')).not.toMatch(/NaN|undefined/);
  });
});
