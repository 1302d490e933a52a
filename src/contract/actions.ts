/**
 * The operator actions, each declared once (see `ActionSpec`): the run's handlers, the UI's signal
 * forms, the gateway's routes and OpenAPI entries, the CLI's verbs, the client and
 * `docs/actions.md` are all built from this table. Pure (it is in the workflow bundle).
 */
import type { ActionSpec } from './action-spec';
import type { DeliveryState } from './contracts';
import { hasWorkLeft } from './work-left';

const NOTE = {
  kind: 'note',
  about: "Why; kept in the delivery's status and history, with who asked.",
  placeholder: 'why',
} as const;

/** Retry and resolve apply to a parked delivery, and are offered for it as a whole. */
const PARKED = { words: 'the delivery is needs_attention', run: 'parked' } as const;
const isParked = (state: DeliveryState) => state.status === 'needs_attention';

/** Every route is a POST for a key with the `operate` scope. */
const OPERATE = { method: 'POST', scope: 'operate' } as const;

const STEERED = {
  ...OPERATE,
  status: 200,
  answer: 'action',
  answered: 'Done: the action as the delivery keeps it.',
  conflict:
    'The action does not apply now (the delivery has ended, the leg is not paused, not waiting to retry…): `detail` says why.',
} as const;

/** A target's actions answer with the target's state once the whole fleet has it. */
const ON_TARGET = {
  ...OPERATE,
  status: 200,
  answer: 'target',
  answered: "Applied: the target's state, as its controller keeps it.",
  conflict:
    'The action does not apply now (the target is not paused, or is already): `detail` says why.',
} as const;

const TARGET_NOTE = {
  kind: 'note',
  about: "Why; kept in the target's state and its controller's history, with who asked.",
  placeholder: 'why',
} as const;

/** Every operator action, in the order an operator would reach for them. */
export const ACTIONS = {
  cancel: {
    subject: 'delivery',
    via: 'cancel',
    help: 'Stops a running delivery: no new attempt starts, and the legs that succeeded are undone',
    fields: {
      reason: { kind: 'note', about: "Why; kept in the run's history, on the cancel request." },
    },
    when: { words: 'the delivery is running (or paused)', run: 'in_progress' },
    route: {
      ...OPERATE,
      segment: 'cancel',
      operationId: 'cancelDelivery',
      summary: 'Cancel a running delivery',
      description:
        'The delivery starts no new attempt, lets attempts on the wire finish, undoes the legs ' +
        'that succeeded, then ends `cancelled`. Refused unless the delivery is `running`.',
      component: 'CancelRequest',
      body: 'Why the delivery is cancelled (optional body).',
      status: 202,
      answer: 'delivery',
      answered: 'Cancelling; the delivery as it is now.',
      conflict: 'The delivery is not running: there is nothing to cancel.',
    },
    cli: {
      verb: 'cancel',
      summary: 'stop a running delivery and undo what succeeded',
      description:
        'Stop a running delivery: no new attempt starts, an attempt on the wire finishes, every ' +
        'leg that succeeded is undone, and the delivery ends cancelled. Refused (exit 6) when the ' +
        "delivery is parked (retry or resolve it) or has ended. The reason is kept in the run's " +
        'history (the cancel request event), with the identity of who asked.',
      examples: ['$ tandem cancel order-1042 --reason "customer withdrew the order"'],
      said: (id, { reason }) =>
        `Cancel requested for delivery ${id}${reason === undefined ? '' : ` (reason: ${reason})`}: ` +
        'it starts no new attempt, undoes what succeeded, and ends cancelled.',
    },
    bulk: {
      via: 'cancellation',
      example: '$ tandem cancel --target shipping --since 1h --reason "shipping sent duplicates"',
    },
  },
  retry: {
    subject: 'delivery',
    via: 'update',
    help: 'A parked delivery tries again',
    fields: {
      leg: { kind: 'leg', about: 'Retry only this leg; every leg needing attention when absent.' },
      note: { ...NOTE, runOnly: true },
    },
    when: {
      ...PARKED,
      form: { scope: 'delivery', applies: isParked, does: 'try the parked legs again' },
    },
    route: {
      ...OPERATE,
      segment: 'retry',
      operationId: 'retryDelivery',
      summary: 'Retry a delivery that needs attention',
      description:
        'Failed compensations run again, and a leg whose outcome is unknown is re-sent with its ' +
        'Idempotency-Key to learn it. Refused unless the delivery is `needs_attention`.',
      component: 'RetryRequest',
      body: 'Which legs to retry (optional body).',
      status: 202,
      answer: 'delivery',
      answered: 'Retrying; the delivery as it is now.',
      conflict: 'The delivery (or the leg named) does not need attention.',
    },
    cli: {
      verb: 'retry',
      summary: 'make a parked (needs_attention) delivery try again',
      description:
        'Make a delivery parked as needs_attention try again: failed undos run again, and a leg ' +
        'whose outcome is unknown is re-sent with its Idempotency-Key to learn it, then undone. ' +
        'Refused (exit 6) unless the delivery is needs_attention. Use it once the target is ' +
        'healthy again; follow the delivery with "tandem status".',
      examples: ['$ tandem retry order-1042', '$ tandem retry order-1042 --leg inventory'],
      said: (id, { leg }) =>
        `Retry accepted for delivery ${id} (${leg === undefined ? 'every leg that needs attention' : `leg ${leg}`}): it is running again.`,
    },
    bulk: { via: 'signal', example: '$ tandem retry --status needs_attention --target shipping' },
  },
  resolve: {
    subject: 'delivery',
    via: 'update',
    help: 'Closes a parked delivery by hand',
    fields: {
      note: {
        kind: 'note',
        required: true,
        about: 'What was done by hand.',
        placeholder: 'what was done by hand',
        example: 'released reservation res_7 by hand',
        missing: 'a resolve needs a note saying what was done by hand',
      },
    },
    when: {
      ...PARKED,
      form: { scope: 'delivery', applies: isParked, does: 'close it after fixing it by hand' },
    },
    route: {
      ...OPERATE,
      segment: 'resolve',
      operationId: 'resolveDelivery',
      summary: 'Close a delivery that needs attention, by hand',
      description:
        'Says what was done by hand; the delivery ends `resolved` with the note. Refused unless ' +
        'the delivery is `needs_attention`.',
      component: 'ResolveRequest',
      body: 'How the delivery was settled by hand.',
      status: 200,
      answer: 'delivery',
      answered: 'Resolved.',
      conflict: 'The delivery does not need attention.',
    },
    cli: {
      verb: 'resolve',
      summary: 'close a parked delivery by hand, with a note',
      description:
        'Close a delivery parked as needs_attention after fixing things by hand at the target; it ' +
        'ends resolved, with your note in its status and history. Refused (exit 6) unless the ' +
        'delivery is needs_attention.',
      examples: ['$ tandem resolve order-1042 --note "deleted reservation res_12 in the admin UI"'],
      said: (id, { note }) => `Resolved delivery ${id}: ${note}`,
      ends: true,
    },
    bulk: {
      via: 'signal',
      example: '$ tandem resolve --status needs_attention --since 2h --note "settled by hand"',
    },
  },
  retryNow: {
    subject: 'delivery',
    via: 'update',
    help: 'Ends a leg’s backoff wait and attempts at once',
    fields: {
      leg: { kind: 'leg', about: 'Only this leg; every leg waiting out a backoff when absent.' },
      note: NOTE,
    },
    when: {
      words: 'a leg waits out a backoff (or Retry-After) and is not paused',
      run: 'open',
      form: {
        scope: 'leg',
        applies: (leg) => leg.retryAt !== undefined && leg.paused === undefined,
        does: (leg) => `attempt ${leg.target} now, not at ${leg.retryAt}`,
      },
    },
    route: {
      ...STEERED,
      segment: 'retry-now',
      operationId: 'retryNowDelivery',
      summary: 'End a leg’s backoff wait: it attempts at once',
      description: 'Refused for a leg that is in flight or paused, or when no leg is waiting.',
      component: 'RetryNowRequest',
      body: 'Which leg to attempt at once (optional body).',
    },
    cli: {
      verb: 'retry-now',
      summary: 'end a leg’s backoff wait: it attempts at once',
      description:
        'End the backoff wait (or Retry-After) of a leg, or of every leg waiting one: it attempts ' +
        'at once. Refused (exit 6) for a leg that is in flight or paused.',
      examples: ['$ tandem retry-now order-1042 --leg shipping'],
    },
  },
  pause: {
    subject: 'delivery',
    via: 'update',
    help: 'No new attempt of the leg (or all) starts until resumed',
    fields: {
      leg: { kind: 'leg', about: 'Pause only this leg; every leg with work left when absent.' },
      note: NOTE,
    },
    when: {
      words: 'a leg has work left and is not paused',
      run: 'open',
      form: {
        scope: 'leg',
        applies: (leg) => leg.paused === undefined && hasWorkLeft(leg),
        does: (leg) => `start no new attempt of ${leg.target}`,
      },
    },
    route: {
      ...STEERED,
      segment: 'pause',
      operationId: 'pauseDelivery',
      summary: 'Pause a leg (or every leg) of a delivery',
      description:
        'No new attempt of the leg (sending or undoing) starts until resumed; an attempt on the ' +
        "wire finishes. The leg's deadline is suspended while paused; the delivery shows `paused`.",
      component: 'PauseRequest',
      body: 'Which leg to pause, and why (optional body).',
    },
    cli: {
      verb: 'pause',
      summary: 'hold a leg (or all) of a running delivery: no new attempt starts',
      description:
        'Pause a leg of a delivery that has not ended, or every leg with work left: no new attempt ' +
        '(sending or undoing) starts until "tandem resume"; an attempt on the wire finishes. The ' +
        "leg's deadline is suspended while paused. Status shows paused, who paused and why.",
      examples: [
        '$ tandem pause order-1042 --leg shipping --note "maintenance until 06:00"',
        '$ tandem pause order-1042',
      ],
    },
  },
  resume: {
    subject: 'delivery',
    via: 'update',
    help: 'Ends a pause',
    fields: {
      leg: { kind: 'leg', about: 'Resume only this leg; every paused leg when absent.' },
      note: NOTE,
    },
    when: {
      words: 'a leg is paused',
      run: 'open',
      form: {
        scope: 'leg',
        applies: (leg) => leg.paused !== undefined,
        does: (leg) => `let ${leg.target} attempt again`,
      },
    },
    route: {
      ...STEERED,
      segment: 'resume',
      operationId: 'resumeDelivery',
      summary: 'Resume a paused leg (or every paused leg)',
      description: 'The leg attempts again; its deadline moves on by the time it was paused.',
      component: 'ResumeRequest',
      body: 'Which leg to resume (optional body).',
    },
    cli: {
      verb: 'resume',
      summary: 'let a paused leg (or all) attempt again',
      examples: ['$ tandem resume order-1042 --leg shipping'],
    },
  },
  extendDeadline: {
    subject: 'delivery',
    via: 'update',
    help: 'Gives a leg more time',
    fields: {
      leg: { kind: 'leg', required: true, about: 'The leg.' },
      duration: {
        kind: 'duration',
        required: true,
        about: 'How much more time, from 1ms to at most 7d.',
        placeholder: '10m',
        example: '30m',
      },
      note: NOTE,
    },
    when: {
      words: 'the leg has a deadline running',
      run: 'open',
      form: {
        scope: 'leg',
        applies: (leg) => leg.deadlineAt !== undefined || leg.deadlineLeftMs !== undefined,
        does: (leg) => `give ${leg.target} more time`,
      },
    },
    route: {
      ...STEERED,
      segment: 'extend',
      operationId: 'extendDeadline',
      summary: 'Give a leg more time before its deadline',
      component: 'ExtendRequest',
      body: "Which leg's deadline to extend, and by how much.",
    },
    cli: {
      verb: 'extend',
      summary: 'give a leg more time before its deadline',
      examples: ['$ tandem extend order-1042 --leg shipping --duration 1h'],
    },
  },
  pauseTarget: {
    subject: 'target',
    via: 'update',
    help: 'Holds every leg to the target, in every delivery, until resumed',
    fields: { note: TARGET_NOTE },
    when: { words: 'the target is not paused' },
    route: {
      ...ON_TARGET,
      segment: 'pause',
      operationId: 'pauseTarget',
      summary: 'Pause a target across the fleet',
      description:
        "The server dispatches no attempt to the target from any worker (its task queue's rate " +
        'is set to 0), and every running delivery with a leg to it holds that leg with its ' +
        'deadline suspended; deliveries started meanwhile are accepted and held too. Answers once ' +
        'the task queue is paused and the running deliveries are being told.',
      component: 'PauseTargetRequest',
      body: 'Why the target is paused (optional body).',
    },
    cli: {
      verb: 'pause',
      summary: 'hold every leg to a target, fleet-wide, until resumed',
      description:
        'Pause a target across the fleet: no attempt reaches it from any worker, and every leg ' +
        'to it, in running deliveries and in those started later, holds with its deadline ' +
        'suspended until "tandem target resume". Returns once the server has paused the ' +
        "target's task queue. Refused (exit 6) when the target is paused already.",
      examples: ['$ tandem target pause shipping --note "carrier maintenance until 06:00"'],
      said: (target, { note }) =>
        `Paused target ${target}${note === undefined ? '' : ` (${note})`}: no attempt reaches ` +
        'it from any worker; its legs hold, deadlines suspended, until "tandem target resume".',
    },
  },
  resumeTarget: {
    subject: 'target',
    via: 'update',
    help: 'Ends a pause of the target: its held legs attempt again, at its rate limit',
    fields: { note: TARGET_NOTE },
    when: { words: 'the target is paused' },
    route: {
      ...ON_TARGET,
      segment: 'resume',
      operationId: 'resumeTarget',
      summary: 'Resume a paused target',
      description:
        "The target's task queue gets its rate limit back (none when it has none) and every held " +
        'leg attempts again; their deadlines move on by the time they were held.',
      component: 'ResumeTargetRequest',
      body: 'Why (optional body).',
    },
    cli: {
      verb: 'resume',
      summary: 'let the legs to a paused target attempt again',
      examples: ['$ tandem target resume shipping'],
      said: (target) => `Resumed target ${target}: its held legs attempt again, at its rate limit.`,
    },
  },
  limitTarget: {
    subject: 'target',
    via: 'update',
    help: "Sets the target's rate limit across every worker, until set again",
    fields: {
      rate: {
        kind: 'rate',
        required: true,
        about:
          'Attempts per second across every worker (`5/s`, `90/m`), `none` for no limit, or ' +
          '`default` for the configured `rateLimit`.',
        placeholder: '5/s',
        example: '5/s',
        positional: true,
      },
      note: TARGET_NOTE,
    },
    when: { words: 'the target has a task queue of its own (bulkhead: true)' },
    route: {
      ...ON_TARGET,
      segment: 'limit',
      operationId: 'limitTarget',
      summary: "Set a target's rate limit",
      description:
        "The server enforces it on the target's task queue at once, for every worker, without a " +
        'restart; it stands until set again (`default` goes back to the config).',
      component: 'LimitTargetRequest',
      body: 'The rate limit, and why.',
    },
    cli: {
      verb: 'limit',
      summary: "set a target's rate limit across every worker: 5/s, 90/m, none or default",
      examples: ['$ tandem target limit shipping 5/s', '$ tandem target limit shipping default'],
      said: (target, { rate }) => `Target ${target}: rate limit ${rate}, enforced by the server.`,
    },
  },
} as const satisfies Record<string, ActionSpec>;
