/**
 * The bench's report as data: what `npm run bench` prints, writes with `--out` and prints as
 * one line with `--json`, and what the tables read back. A module of its own so the
 * entry point and its readers depend on it, not on each other.
 */
import type { HostileReport } from './hostile';
import type { BenchOptions } from './options';
import type { ParkedReport } from './parked';
import type { RowReport } from './row';

/** The whole report, as printed and as `--json` prints it. */
export interface BenchReport {
  options: BenchOptions;
  host: { cpus: number; model: string; loadAverage1m: number };
  startedAt: string;
  durationS: number;
  rows: RowReport[];
  parked?: ParkedReport;
  /** The hostile row: the gateway's 202s and RSS, quiet and under a flood. */
  hostile?: HostileReport;
  /** The first row's, where the single-row bench had them. */
  runs: RowReport['runs'];
  ratio: { perSecond: number; p50: number };
}
