/**
 * The worker's side of the circuit breakers: it counts the outcomes of the deliver attempts it
 * makes, per target, and reports them to each target's controller at most once a second (and
 * once more at shutdown), only when there is something to tell. Reporting never blocks or fails
 * an attempt: a report that cannot be sent is logged and its counts dropped.
 */
import { breakerCount, type AttemptOutcomes } from '../contract/breaker';
import type { AttemptMeter } from '../telemetry/metrics';

/** Sends one target's report to its controller. */
export type SendOutcomes = (target: string, outcomes: AttemptOutcomes) => Promise<void>;

/** How often a worker reports, at most. */
export const REPORT_EVERY_MS = 1_000;

export class BreakerReports {
  private counts = new Map<string, { ok: number; failed: number }>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  /** Reports asked for and not yet sent: a timer tick adds none while one is under way. */
  private pending = 0;

  constructor(
    private readonly send: SendOutcomes,
    private readonly warn: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  /** Measures as `meter` does, and counts each deliver attempt's outcome for its target's breaker. */
  measuring(meter: AttemptMeter): AttemptMeter {
    return (target, call) => {
      const end = meter(target, call);
      return (outcome) => {
        end(outcome);
        const counted = call === 'deliver' ? breakerCount(outcome) : undefined;
        if (counted === undefined) return;
        const sums = this.counts.get(target) ?? { ok: 0, failed: 0 };
        sums[counted] += 1;
        this.counts.set(target, sums);
      };
    };
  }

  /** Reports every {@link REPORT_EVERY_MS} from now until {@link stop}. */
  start(): void {
    this.timer ??= setInterval(() => {
      if (this.pending === 0) void this.flush();
    }, REPORT_EVERY_MS).unref();
  }

  /** Stops reporting on a timer, and reports what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Reports the counts so far, after any report still being sent; never rejects. */
  flush(): Promise<void> {
    this.pending += 1;
    this.sending = this.sending.then(() => this.sendAll()).finally(() => (this.pending -= 1));
    return this.sending;
  }

  private async sendAll(): Promise<void> {
    const counts = this.counts;
    if (counts.size === 0) return;
    this.counts = new Map();
    const at = Date.now();
    await Promise.all(
      [...counts].map(async ([target, { ok, failed }]) => {
        try {
          await this.send(target, { ok, failed, at });
        } catch (error) {
          this.warn(`the breaker report of ${target} was not sent; its counts are dropped`, {
            target,
            ok,
            failed,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
  }
}
