import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { formatReport, LATENCY_COLUMNS, table, type BenchReport } from '../../bench/columns';
import { parseBenchArgs } from '../../bench/options';
import type { RowReport, RunReport } from '../../bench/row';

function run(name: RunReport['name'], p50Ms: number, perSecond = 10): RunReport {
  return {
    name,
    count: 10,
    wallMs: 1000,
    perSecond,
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
    runs: [
      { ...run('tandem', 60), history: { events: 20, bytes: 6000, workflowTasks: 2 } },
      run('baseline', 20, 40),
      run('saga', 50, 20),
      run('floor', 10, 80),
    ],
    serverPerDelivery: {
      poll_success: 4,
      poll_success_sync: 0,
      workflow_eager_execution: 0,
      activity_eager_execution: 0,
    },
    workerRssPeakBytes: 300 * 2 ** 20,
    gatewayRssPeakBytes: undefined,
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
    expect(cells(heading!).slice(0, 14)).toEqual([
      'row',
      'n',
      'deliveries/s',
      'deliveries/s × bare',
      'deliveries/s × saga',
      'floor deliveries/s',
      'p50 ms',
      'p50 × bare',
      'p50 × saga',
      'floor p50 ms',
      'p99 ms',
      'p99 × bare',
      'p99 × saga',
      'floor p99 ms',
    ]);
    expect(cells(lines[0]!)).toEqual([
      'idle 20 ms',
      '10',
      '10.0',
      '0.25',
      '0.50',
      '80.0',
      '60.0',
      '3.00',
      '1.20',
      '10.0',
      '180.0',
      '3.00',
      '1.20',
      '30.0',
      '',
      '0',
      '1.50',
    ]);
    expect(rule).toMatch(/^\| -+ \| -+: \|/);
  });

  it('reads the hostile goal from the flooded row against the same row quiet', () => {
    const tandem = (p99: number) => ({
      ...run('tandem', 60),
      acceptedMs: { p50: 5, p95: p99, p99 },
    });
    const quiet = row('hostile gateway 10/s', { runs: [tandem(10), run('baseline', 20)] });
    const flooded = row('hostile gateway 10/s flooded', {
      runs: [tandem(30), run('baseline', 20)],
      gatewayRssPeakBytes: 200 * 2 ** 20,
      flood: { requests: 40, bytesSent: 40 * 2 ** 20, answers: { '413': 30, '401': 10 } },
    });
    const host = { cpus: 2, model: 'test', loadAverage1m: 1 };
    const report = { options: parseBenchArgs([]), host, startedAt: '', durationS: 1 };

    const text = formatReport({ ...report, rows: [quiet, flooded] }, 'terminal');

    expect(text).toContain(
      'hostile gateway 10/s flooded: the flood sent 40 requests, 40 MiB; answers 401×10, 413×30',
    );
    expect(text).toContain(
      'goal: 202 p99 within 2× of quiet (3.00×: missed), gateway RSS under 300 MiB (met)',
    );
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
