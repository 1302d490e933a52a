import type { DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';

/**
 * Log lines for a person at a terminal (`tandem dev`): one coloured line each, local time, the
 * fields after it. Formatted in this process, not in a transport's worker thread, which would
 * cost a thread and its start-up; a module of its own, so the servers never load the formatter.
 */
export function prettyDestination(): DestinationStream {
  return pinoPretty({
    destination: 1,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}
