import type { TargetOverview } from '../client/client';
import { LEG_HOLDS } from '../contract/holds';
import { formatRate } from '../contract/rate';
import { printJson, withClient, type ConfigSource, type Print } from './deliveries';
import { table } from './format';

/** A rate limit for a terminal: `20/s`, or `-` for none. */
const rate = (perSecond: number | null | undefined) =>
  perSecond === null || perSecond === undefined
    ? '-'
    : perSecond === 0
      ? '0'
      : formatRate(perSecond);

/** A time for a terminal: `2026-11-23 10:56:21Z`. */
const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** Targets across the fleet, one per line, then who paused those that are, and open breakers. */
export function formatTargets(targets: readonly TargetOverview[]): string[] {
  const rows = table([
    [
      ...['TARGET', 'STATE', 'SINCE', 'RATE NOW', 'CONFIGURED', 'RUNNING'],
      ...LEG_HOLDS.map((hold) => hold.toUpperCase()),
    ],
    ...targets.map((t) => [
      t.target,
      t.applied || t.epoch === 0 ? t.status : `${t.status} (being applied)`,
      when((t.paused ?? (t.breaker !== 'closed' ? t.breakerChange : undefined))?.since ?? '-'),
      rate(t.effectiveRate),
      rate(t.configuredRate),
      String(t.runningDeliveries),
      ...LEG_HOLDS.map((hold) => String(t.legs[hold])),
    ]),
  ]);
  const notes = targets.flatMap((t) => [
    ...(t.paused
      ? [`${t.target}: paused by ${t.paused.by}${t.paused.note ? `: ${t.paused.note}` : ''}`]
      : []),
    ...(t.breaker !== 'closed' && t.breakerChange
      ? [
          `${t.target}: breaker ${t.breaker} since ${when(t.breakerChange.since)}: ${t.breakerChange.why}`,
        ]
      : []),
    ...(t.override
      ? [`${t.target}: rate limit ${rate(t.override.rate)} set by ${t.override.by}`]
      : []),
  ]);
  return [...rows, ...(notes.length > 0 ? ['', ...notes] : [])];
}

/** `tandem targets`: every target's state, as its controller keeps it visible. */
export async function listTargets(
  source: ConfigSource,
  options: { json?: boolean },
  print: Print,
): Promise<void> {
  const targets = await withClient(source, (client) => client.targets());
  if (options.json) return printJson(print, targets);
  formatTargets(targets).forEach((line) => print(line));
}
