import { InvalidArgumentError, type Command } from 'commander';
import type { ActionRecord } from '../contract/operator-actions';
import { parseDuration } from '../contract/duration';
import type { TandemClient } from '../client/client';
import { operatorIdentity, withClient, type ConfigSource, type Print } from './deliveries';
import { examples } from './options';

function duration(value: string): string {
  if (parseDuration(value) === undefined || parseDuration(value)! <= 0) {
    throw new InvalidArgumentError('Give a duration such as 30m, 1h or 90s.');
  }
  return value;
}

function done(record: ActionRecord): string {
  const legs = record.legs?.join(', ') ?? '';
  const extra = record.duration === undefined ? '' : ` by ${record.duration}`;
  return `${record.action} ${legs}${extra} (by ${record.by}${record.note ? `: ${record.note}` : ''})`;
}

interface SteerFlags {
  leg?: string;
  note?: string;
}

/**
 * The verbs that steer a running delivery leg by leg: `pause`, `resume`, `retry-now`, `extend`.
 * Each is the run's update of the same name, sent as the OS user with the note; a refusal says
 * why (exit 6) and changes nothing.
 */
export function registerSteering(cli: Command, source: () => ConfigSource, print: Print): void {
  const steer = async (id: string, act: (client: TandemClient) => Promise<ActionRecord>) => {
    const record = await withClient(source(), act);
    print(`Delivery ${id}: ${done(record)}.`);
    print(`Follow it: tandem status ${id}`);
  };
  const actor = (flags: SteerFlags) => ({
    ...(flags.note !== undefined && { note: flags.note }),
  });
  const target = (flags: SteerFlags) => ({
    ...actor(flags),
    ...(flags.leg !== undefined && { leg: flags.leg }),
  });

  cli
    .command('pause')
    .summary('hold a leg (or all) of a running delivery: no new attempt starts')
    .description(
      'Pause a leg of a delivery that has not ended, or every leg with work left: no new attempt ' +
        '(sending or undoing) starts until "tandem resume"; an attempt on the wire finishes. The ' +
        "leg's deadline is suspended while paused. Status shows paused, who paused and why.",
    )
    .argument('<id>', "the delivery's id")
    .option('--leg <target>', 'pause only this leg (default: every leg with work left)')
    .option('--note <text>', 'why, kept in the status and history')
    .addHelpText(
      'after',
      examples(
        '$ tandem pause order-1042 --leg shipping --note "maintenance until 06:00"',
        '$ tandem pause order-1042',
      ),
    )
    .action((id: string, flags: SteerFlags) =>
      steer(id, (client) => client.steer(id, 'pause', target(flags), operatorIdentity())),
    );

  cli
    .command('resume')
    .summary('let a paused leg (or all) attempt again')
    .argument('<id>', "the delivery's id")
    .option('--leg <target>', 'resume only this leg (default: every paused leg)')
    .option('--note <text>', 'why, kept in the status and history')
    .action((id: string, flags: SteerFlags) =>
      steer(id, (client) => client.steer(id, 'resume', target(flags), operatorIdentity())),
    );

  cli
    .command('retry-now')
    .summary('end a leg’s backoff wait: it attempts at once')
    .description(
      'End the backoff wait (or Retry-After) of a leg, or of every leg waiting one: it attempts ' +
        'at once. Refused (exit 6) for a leg that is in flight or paused.',
    )
    .argument('<id>', "the delivery's id")
    .option('--leg <target>', 'only this leg (default: every leg waiting to retry)')
    .option('--note <text>', 'why, kept in the status and history')
    .action((id: string, flags: SteerFlags) =>
      steer(id, (client) => client.steer(id, 'retryNow', target(flags), operatorIdentity())),
    );

  cli
    .command('extend')
    .summary('give a leg more time before its deadline')
    .argument('<id>', "the delivery's id")
    .requiredOption('--leg <target>', 'the leg')
    .requiredOption('--duration <duration>', 'how much more time: 30m, 1h, 90s', duration)
    .option('--note <text>', 'why, kept in the status and history')
    .addHelpText('after', examples('$ tandem extend order-1042 --leg shipping --duration 1h'))
    .action((id: string, flags: SteerFlags & { leg: string; duration: string }) =>
      steer(id, (client) =>
        client.steer(
          id,
          'extendDeadline',
          { ...actor(flags), leg: flags.leg, duration: flags.duration },
          operatorIdentity(),
        ),
      ),
    );
}
