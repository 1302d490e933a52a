/** How one compensation step ended. */
export type StepOutcome = { ok: true } | { ok: false; error: string };

/** What a {@link Saga.compensate} run did. */
export interface SagaReport {
  undone: string[];
  failed: { name: string; error: string }[];
}

/**
 * The undo steps of a delivery, registered by name as soon as a leg may have taken effect.
 * Steps run in parallel (legs are independent); a step that fails stays registered so an
 * operator's retry runs it again, and every failure is reported, never swallowed.
 * The caller runs `compensate` where cancellation cannot interrupt it.
 */
export class Saga {
  private readonly steps = new Map<string, () => Promise<StepOutcome>>();

  /** Registers (or replaces) the step that undoes `name`. */
  register(name: string, undo: () => Promise<StepOutcome>): void {
    this.steps.set(name, undo);
  }

  /** Names of the steps not yet done. */
  get pending(): string[] {
    return [...this.steps.keys()];
  }

  /** Runs the pending steps (all, or those named) and drops the ones that succeeded. */
  async compensate(names: readonly string[] = this.pending): Promise<SagaReport> {
    const chosen = names.filter((name) => this.steps.has(name));
    // `async` turns a step that throws before returning its promise into a rejection.
    const outcomes = await Promise.allSettled(chosen.map(async (name) => this.steps.get(name)!()));
    const report: SagaReport = { undone: [], failed: [] };
    outcomes.forEach((settled, i) => {
      const name = chosen[i]!;
      const outcome: StepOutcome =
        settled.status === 'fulfilled'
          ? settled.value
          : { ok: false, error: String((settled.reason as Error)?.message ?? settled.reason) };
      if (outcome.ok) {
        this.steps.delete(name);
        report.undone.push(name);
      } else {
        report.failed.push({ name, error: outcome.error });
      }
    });
    return report;
  }
}
