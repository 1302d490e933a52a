/** The dev server's counters the report shows, read from its Prometheus endpoint. */
const SERVER_COUNTERS = [
  'poll_success',
  'poll_success_sync',
  'workflow_eager_execution',
  'activity_eager_execution',
] as const;

export type ServerCounters = Record<(typeof SERVER_COUNTERS)[number], number>;

/** The counters in one Prometheus text exposition, summed over their labels. */
export function parseServerCounters(text: string): ServerCounters {
  const counters = Object.fromEntries(SERVER_COUNTERS.map((name) => [name, 0])) as ServerCounters;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    const name = match?.[1] as keyof ServerCounters | undefined;
    if (name !== undefined && name in counters) counters[name] += Number(match![2]);
  }
  return counters;
}

export async function readServerCounters(metricsUrl: string): Promise<ServerCounters> {
  const answer = await fetch(metricsUrl);
  if (!answer.ok) throw new Error(`${metricsUrl} answered ${answer.status}`);
  return parseServerCounters(await answer.text());
}

/** The difference of two counter readings, per `count` deliveries. */
export function counterDelta(after: ServerCounters, before: ServerCounters, count = 1) {
  const delta = SERVER_COUNTERS.map((name) => [name, (after[name] - before[name]) / count]);
  return Object.fromEntries(delta) as ServerCounters;
}
