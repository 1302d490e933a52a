import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  setWorkflowOptions,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { ControllerActivities } from '../activities/target-control';
import {
  TARGET_ACTIONS,
  targetActionSpec,
  type TargetAction,
  type TargetArgs,
} from '../contract/action-types';
import { RATE_WORDS } from '../contract/action-spec';
import {
  FRESH_BREAKER,
  halfOpensAt,
  maybeHalfOpen,
  recordOutcomes,
  switchedOff,
  type BreakerMemory,
  type BreakerStep,
} from '../contract/breaker';
import { targetTaskQueue } from '../contract/contracts';
import { FailureType } from '../contract/failures';
import { parseRate } from '../contract/rate';
import {
  attemptOutcomesSignal,
  configureSignal,
  controllerIdFor,
  effectiveRate,
  TARGET_STATE_MEMO,
  targetSignals,
  targetUpdates,
  type CarriedControl,
  type ControllerInput,
  type TargetChange,
  type TargetControlState,
  type TargetNotice,
  type TargetSettings,
} from '../contract/target-control';
import { breakerTransitioned } from './metrics';
import { claimOf, parseArgs, refusal } from './operator-args';
import { targetDetails } from './target-view';

/**
 * While paused (or the breaker open), how often the controller looks for deliveries started
 * since it last looked.
 */
const SWEEP_EVERY_MS = 10_000;
/**
 * How often in the first {@link SWEEP_EVERY_MS} after a pause: a run started just before it may
 * show in visibility only after the first notice went out, and its deadline runs until told.
 */
const SWEEP_SOON_MS = 2_000;
/** How far each sweep looks back before the last one: runs visibility showed late. */
const SWEEP_OVERLAP_MS = 10_000;
/** Past this many events the controller continues as new, whatever the server suggests. */
const HISTORY_EVENTS_BOUND = 5_000;

const { setQueueRate, noticeRuns } = proxyActivities<ControllerActivities>({
  // One call to the server each: a worker that dies mid-call is replaced within seconds.
  startToCloseTimeout: '10s',
  // Retried until done: the server away, or too many batches at once on the namespace.
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** Who an action's input says asks; the history keeps the caller's identity. */
const askerOf = (raw: unknown) => claimOf(raw) ?? 'an operator';

/**
 * One target's controller: the fleet-wide state of the target (a pause, an operator's rate
 * limit, its circuit breaker, judged from the outcomes the workers report), applied to the
 * server (the rate of the target's task queue) and told to every running delivery with a leg to
 * it. Its history is the target's audit log and the breaker's; its current details show the state
 * in the Temporal UI. It runs until terminated, continuing as new when its history grows long.
 */
export async function targetController(input: ControllerInput): Promise<never> {
  return new Controller(input).run();
}

// A controller lives for months: it follows the current version of the workers rather than stay
// pinned to the one it started on (its history is kept short by continue-as-new).
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, targetController);

class Controller {
  private settings: TargetSettings;
  private readonly kept: CarriedControl;
  /** The state last shown (memo and details), as JSON. */
  private shown?: string;

  constructor(private readonly input: ControllerInput) {
    this.settings = input.settings;
    this.kept = input.carried ?? { breaker: 'closed', epoch: 0, sweeps: 0 };
  }

  private get breakerMemory(): BreakerMemory {
    return this.kept.breakerMemory ?? FRESH_BREAKER;
  }

  /** What the state is made of: the breaker, a pause, the rate limits. */
  private facts() {
    const { kept, settings } = this;
    const { since, why } = this.breakerMemory;
    return {
      breaker: kept.breaker,
      ...(since !== undefined && why !== undefined && { breakerChange: { since, why } }),
      ...(kept.paused && { paused: kept.paused }),
      ...(kept.override && { override: kept.override }),
      ...(settings.rateLimit !== undefined && { configuredRate: settings.rateLimit }),
    };
  }

  state(): TargetControlState {
    const facts = this.facts();
    return {
      target: this.input.target,
      status: facts.paused ? 'paused' : facts.breaker,
      ...facts,
      effectiveRate: effectiveRate(facts),
      applied: this.applied(),
      ...(this.settings.sharedQueue && { sharedQueue: true }),
      epoch: this.kept.epoch,
    };
  }

  async run(): Promise<never> {
    this.listen();
    for (;;) {
      this.show();
      await condition(() => !this.applied(), this.wakeInMs());
      const { breaker } = this.settings;
      if (breaker) this.breakerStep(maybeHalfOpen(this.breakerMemory, breaker, Date.now()));
      await this.apply();
      if (this.historyLong()) {
        await condition(allHandlersFinished);
        // Changes that came in while the handlers finished are carried, then applied there.
        return continueAsNew<typeof targetController>({
          ...this.input,
          settings: this.settings,
          carried: this.kept,
        });
      }
    }
  }

  /**
   * How long the loop may wait with nothing to apply: until the next sweep while the legs are
   * held, or until an open breaker lets probes through, whichever comes first.
   */
  private wakeInMs(): number | undefined {
    const holding = this.kept.paused !== undefined || this.kept.breaker === 'open';
    const sweep = holding ? this.nextSweepMs() : undefined;
    const probes = this.settings.breaker && halfOpensAt(this.breakerMemory, this.settings.breaker);
    if (probes === undefined) return sweep;
    return Math.min(sweep ?? Infinity, Math.max(1, probes - Date.now()));
  }

  /**
   * Takes a step of the breaker: a transition is counted, logged and shown, and one into or out
   * of `open` is a change the deliveries are told (held with their deadlines running, or released).
   */
  private breakerStep({ memory, transition }: BreakerStep): void {
    const { kept } = this;
    kept.breakerMemory = memory;
    if (!transition) return;
    kept.breaker = transition.to;
    if ((transition.from === 'open') !== (transition.to === 'open')) kept.epoch += 1;
    const target = this.input.target;
    log.info(`breaker ${transition.from} → ${transition.to}: ${transition.why}`, {
      target,
      ...transition,
    });
    breakerTransitioned(target, transition.to);
    this.show();
  }

  /** Whether the queue's rate and the deliveries have the state as it is now. */
  private applied(): boolean {
    const { kept } = this;
    const rateSet = this.settings.sharedQueue || kept.queueRate === effectiveRate(this.facts());
    return rateSet && (kept.toldEpoch ?? 0) === kept.epoch;
  }

  /**
   * Sets the queue's rate first (so nothing more reaches the target), then tells the deliveries;
   * while paused, a sweep every {@link SWEEP_EVERY_MS} tells the runs started since the last.
   */
  private async apply(): Promise<void> {
    const { kept } = this;
    const rate = effectiveRate(this.facts());
    if (!this.settings.sharedQueue && kept.queueRate !== rate) {
      await setQueueRate({
        queue: targetTaskQueue(this.input.taskQueue, this.input.target),
        rate,
        reason: this.reason(),
      });
      kept.queueRate = rate;
      this.show();
    }
    const epoch = kept.epoch;
    const changed = (kept.toldEpoch ?? 0) !== epoch;
    // Unchanged while held: a sweep for the runs started since the last one.
    const sweep = !changed && (kept.paused !== undefined || kept.breaker === 'open');
    if (!changed && !sweep) return;
    const startedAt = new Date().toISOString();
    const since = sweep && kept.sweptAt ? Date.parse(kept.sweptAt) - SWEEP_OVERLAP_MS : undefined;
    kept.sweeps += 1;
    await noticeRuns({
      notice: this.notice(),
      jobId: `${controllerIdFor(this.input.taskQueue, this.input.target)}-${epoch}-${kept.sweeps}-${workflowInfo().runId}`,
      ...(since !== undefined && { startedSince: new Date(since).toISOString() }),
    });
    kept.sweptAt = startedAt;
    if (changed) kept.toldAt = startedAt;
    kept.toldEpoch = epoch;
  }

  /** What the deliveries are told: held by a pause (which wins), or by the open breaker. */
  private notice(): TargetNotice {
    const { paused, epoch, breaker } = this.kept;
    const { since, why } = this.breakerMemory;
    return {
      target: this.input.target,
      epoch,
      ...(paused
        ? {
            held: 'paused' as const,
            by: paused.by,
            since: paused.since,
            ...(paused.note !== undefined && { note: paused.note }),
          }
        : breaker === 'open' && {
            held: 'breaker_open' as const,
            ...(since !== undefined && { since }),
            ...(why !== undefined && { note: why }),
          }),
    };
  }

  /** Why the queue has its rate, kept by the server beside it. */
  private reason(): string {
    const { paused, override } = this.kept;
    if (paused) return `paused by ${paused.by}${paused.note ? `: ${paused.note}` : ''}`;
    if (this.kept.breaker !== 'closed') {
      return `breaker ${this.kept.breaker}: ${this.breakerMemory.why ?? ''}`;
    }
    if (override) return `limit set by ${override.by}${override.note ? `: ${override.note}` : ''}`;
    return 'the configured rateLimit';
  }

  /** How long until the next sweep while paused: soon after the pause, then less often. */
  private nextSweepMs(): number {
    const since = Date.now() - Date.parse(this.kept.toldAt ?? '');
    return since < SWEEP_EVERY_MS ? SWEEP_SOON_MS : SWEEP_EVERY_MS;
  }

  private historyLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_BOUND;
  }

  private listen(): void {
    setHandler(configureSignal, (settings) => {
      this.settings = settings;
      if (!settings.breaker) this.breakerStep(switchedOff(this.breakerMemory, Date.now()));
    });
    setHandler(attemptOutcomesSignal, (outcomes) => {
      const { breaker } = this.settings;
      if (breaker) {
        this.breakerStep(recordOutcomes(this.breakerMemory, breaker, outcomes, Date.now()));
      }
    });
    for (const name of TARGET_ACTIONS) {
      const description = `${targetActionSpec(name).help}.`;
      setHandler(
        targetUpdates[name],
        async (raw: unknown) => {
          this.act(name, raw);
          // Answered once the server and the deliveries have it: "paused" means nothing gets through.
          await condition(() => this.applied());
          return this.state();
        },
        { validator: (raw: unknown) => void parseArgs(name, raw, []), description },
      );
      setHandler(
        targetSignals[name],
        (raw: unknown) => {
          try {
            this.act(name, raw);
          } catch (error) {
            if (!(error instanceof ApplicationFailure)) throw error;
            log.warn('signal refused: it changed nothing', { signal: name, why: error.message });
          }
        },
        { description },
      );
    }
  }

  /** Applies an operator's action to the state, or refuses it with why (changing nothing). */
  private act(name: TargetAction, raw: unknown): void {
    const args = parseArgs(name, raw, []);
    const { kept } = this;
    const target = this.input.target;
    const change = (note: string | undefined): TargetChange => ({
      by: askerOf(raw),
      since: new Date().toISOString(),
      ...(note !== undefined && { note: note.trim() }),
    });
    switch (name) {
      case 'pauseTarget':
        if (kept.paused) {
          refusal(
            `Target ${target} is paused already (by ${kept.paused.by} since ${kept.paused.since}).`,
            FailureType.NotApplicable,
          );
        }
        kept.paused = change((args as TargetArgs['pauseTarget']).note);
        kept.epoch += 1;
        break;
      case 'resumeTarget':
        if (!kept.paused) refusal(`Target ${target} is not paused.`, FailureType.NotApplicable);
        delete kept.paused;
        kept.epoch += 1;
        break;
      case 'limitTarget': {
        const { rate, note } = args as TargetArgs['limitTarget'];
        if (this.settings.sharedQueue) {
          refusal(
            `Target ${target} has no task queue of its own (bulkhead: false), so the server ` +
              'cannot limit it alone: set bulkhead: true in the config first.',
            FailureType.NotApplicable,
          );
        }
        if (rate === RATE_WORDS.default) delete kept.override;
        else {
          kept.override = {
            ...change(note),
            rate: rate === RATE_WORDS.none ? null : parseRate(rate)!,
          };
        }
        break;
      }
    }
    log.info(`target action: ${name}`, { target, action: name });
    this.show();
  }

  /** Shows the state in the memo (reads with no worker) and the UI's details, when it changed. */
  private show(): void {
    const state = this.state();
    setCurrentDetails(targetDetails(state));
    const json = JSON.stringify(state);
    if (json === this.shown) return;
    this.shown = json;
    upsertMemo({ [TARGET_STATE_MEMO]: state });
  }
}
