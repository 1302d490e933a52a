import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Activities } from '../../src/activities';
import type { AttemptInput, CompensationInput, HttpAnswer } from '../../src/contract/contracts';
import { TemplateError } from '../../src/contract/errors';
import { FailureType, type AttemptFailureDetails } from '../../src/contract/failures';

/** Which activity an attempt ran. */
export type Kind = 'deliver' | 'compensate';

/**
 * One scripted attempt: answers like a target that accepted, throws the `ApplicationFailure` the
 * real activity would throw, or waits. `label` is the real activity's label for messages.
 */
export type Step = (input: CompensationInput, label: string) => Promise<HttpAnswer>;

/** One attempt the workflow asked for, as the mock received it. */
export interface Call {
  kind: Kind;
  input: CompensationInput;
  /** When it arrived (ms since epoch). */
  at: number;
}

/** The answer of a target that accepted. */
export function answer(status: number, body: unknown = null): Step {
  return () => Promise.resolve({ status, headers: { 'content-type': 'application/json' }, body });
}

function thrower(
  type: FailureType,
  nonRetryable: boolean,
  details: AttemptFailureDetails,
  message: (label: string) => string,
): Step {
  return (_input, label) =>
    Promise.reject(
      ApplicationFailure.create({
        type,
        nonRetryable,
        message: message(label),
        details: [details],
      }),
    );
}

/** A status the contract judges transient (503, 429…), with an optional `Retry-After`. */
export function transient(status: number, retryAfterMs?: number): Step {
  return thrower(
    FailureType.TransientHttp,
    false,
    { outcome: 'rejected', status, ...(retryAfterMs !== undefined && { retryAfterMs }) },
    (label) => `${label} answered ${status}`,
  );
}

/** A status the contract judges permanent (4xx): the target did nothing, retrying cannot help. */
export function rejected(status: number, body = 'rejected'): Step {
  return thrower(
    FailureType.PermanentHttp,
    true,
    { outcome: 'rejected', status },
    (label) => `${label} answered ${status}: ${body}`,
  );
}

/** A request that was sent and whose answer never came (timeout, reset): it may have acted. */
export function noAnswer(): Step {
  return thrower(
    FailureType.Network,
    false,
    { outcome: 'unknown' },
    (label) => `${label} got no answer within 2000ms`,
  );
}

/** A worker that cannot build the request (here: an unset secret), before anything is sent. */
export function workerConfigError(): Step {
  return thrower(
    FailureType.WorkerConfig,
    true,
    { outcome: 'not_sent' },
    () =>
      "The worker's environment has no API_TOKEN, which the config uses as ${API_TOKEN}; set it and restart the worker.",
  );
}

/** A compensation template naming a field the leg does not have. */
export function templateError(field: string, template: string): Step {
  return (input) =>
    Promise.reject(
      ApplicationFailure.create({
        type: FailureType.Template,
        nonRetryable: true,
        message: `${input.target}: ${new TemplateError(field, template).message}`,
        details: [{ outcome: 'not_sent' } satisfies AttemptFailureDetails],
      }),
    );
}

/**
 * An attempt held on the wire until the test opens the gate, then finished by the step given
 * to `open`. It heartbeats while held, as the real activity does.
 */
export class Gate {
  private opened!: (then: Step) => void;
  private readonly next = new Promise<Step>((resolve) => (this.opened = resolve));
  /** True once an attempt is held here. */
  entered = false;

  constructor(private readonly teardown: Promise<void>) {}

  readonly step: Step = async (input, label) => {
    this.entered = true;
    const context = Context.current();
    const heartbeat = setInterval(() => context.heartbeat(), 500);
    try {
      const then = await Promise.race([this.next, this.teardown.then(() => endOfTest)]);
      return await then(input, label);
    } finally {
      clearInterval(heartbeat);
    }
  };

  open(then: Step): void {
    this.opened(then);
  }
}

const endOfTest: Step = () => Promise.reject(new Error('released at the end of the test'));

const defaults: Record<Kind, (target: string) => Step> = {
  deliver: (target) => answer(201, { id: `${target}_1` }),
  compensate: () => answer(204),
};

/**
 * `deliver` and `compensate` scripted per target: each attempt takes the next step of its
 * target's queue, and the last step repeats. Unscripted targets accept (201 with an id) and
 * undo (204). Every attempt is recorded.
 */
export class ScriptedActivities {
  private readonly scripts = new Map<string, Step[]>();
  private endTest!: () => void;
  private readonly teardown = new Promise<void>((resolve) => (this.endTest = resolve));
  readonly calls: Call[] = [];

  /** A gate to hold an attempt on the wire. */
  gate(): Gate {
    return new Gate(this.teardown);
  }

  /** An attempt whose worker goes silent: no heartbeat and no result until the test ends. */
  silent(): Step {
    return async (input, label) => {
      await this.teardown;
      return endOfTest(input, label);
    };
  }

  /** Lets every held or silent attempt end, so the workers can shut down. */
  release(): void {
    this.endTest();
  }

  /** Replaces the steps of `kind` for `target`. */
  script(kind: Kind, target: string, ...steps: Step[]): void {
    this.scripts.set(`${kind}:${target}`, steps);
  }

  /** The inputs of the attempts of `kind` for `target`, in order. */
  inputs(kind: Kind, target: string): CompensationInput[] {
    return this.calls
      .filter((call) => call.kind === kind && call.input.target === target)
      .map((call) => call.input);
  }

  /** The calls of `kind` for `target`, in order, with when they arrived. */
  callsOf(kind: Kind, target: string): Call[] {
    return this.calls.filter((call) => call.kind === kind && call.input.target === target);
  }

  /** The activities a worker registers, with the real ones' names and signatures. */
  activities(): Activities {
    return {
      deliver: (input: AttemptInput) =>
        this.run('deliver', input, `${input.target} (attempt ${input.attempt})`),
      compensate: (input: CompensationInput) =>
        this.run('compensate', input, `${input.target} compensation (attempt ${input.attempt})`),
    };
  }

  private run(kind: Kind, input: CompensationInput, label: string): Promise<HttpAnswer> {
    this.calls.push({ kind, input, at: Date.now() });
    const queue = this.scripts.get(`${kind}:${input.target}`);
    const step =
      (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? defaults[kind](input.target);
    return step(input, label);
  }
}
