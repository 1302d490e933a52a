import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFailure, EXIT_CODES_HELP } from '../../src/cli/exit-codes';
import { ERROR_CODES, ExitCode } from '../../src/contract/error-codes';
import { WorkerUnavailableError } from '../../src/contract/errors';
import {
  DeliveryActionRefusedError,
  InvalidActionError,
  UnknownLegError,
} from '../../src/contract/action-errors';
import { PROBLEMS } from '../../src/gateway/problems';
import { problemOf } from '../../src/gateway/refusals';

/** Every TypeScript source file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The codes written in the files that declare Tandem errors. */
function declaredCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of sources('src')) {
    const text = readFileSync(file, 'utf8');
    if (!/extends (TandemError|TemporalCliError)\b/.test(text)) continue;
    for (const [, code] of text.matchAll(/'((?:TANDEM|ERR)_[A-Z_]+)'/g)) codes.add(code!);
  }
  return codes;
}

const limits = { bodyLimit: 1024 };

describe('error codes', () => {
  it('has every code a Tandem error declares in the table, each with the one prefix, and none the errors do not use', () => {
    const declared = declaredCodes();
    expect([...declared].filter((code) => !code.startsWith('TANDEM_'))).toEqual([]);
    expect([...declared].filter((code) => !(code in ERROR_CODES))).toEqual([]);
    expect(Object.keys(ERROR_CODES).filter((code) => !declared.has(code))).toEqual([]);
  });

  it('answers each code with a problem kind of the same status, and an exit code the help lists', () => {
    const listed = new Set(
      [...EXIT_CODES_HELP.matchAll(/^ {2}(\d+) {2}/gm)].map(([, n]) => Number(n)),
    );
    expect([...listed].sort()).toEqual(Object.values(ExitCode).sort());
    for (const [code, answer] of Object.entries(ERROR_CODES)) {
      expect(PROBLEMS[answer.problem].status, code).toBe(answer.status);
      expect(listed.has(answer.exit), code).toBe(true);
    }
  });

  it('answers an action input the run refuses as invalid with 400 naming the field, and exit 4', () => {
    const error = new InvalidActionError('d-1', 'extendDeadline', 'extendDeadline: leg: …', [
      { path: 'leg', detail: 'the delivery has no leg "billing"' },
    ]);
    const problem = problemOf(error, limits);
    expect(problem.status).toBe(400);
    expect(problem.body().errors).toEqual([
      { in: 'body', path: 'leg', pointer: '#/leg', detail: 'the delivery has no leg "billing"' },
    ]);
    expect(describeFailure(error).exitCode).toBe(ExitCode.badDelivery);
  });

  it('answers a retry of a leg the delivery does not have with 400 naming the leg', () => {
    const problem = problemOf(new UnknownLegError('d-1', 'billing', ['inventory']), limits);
    expect(problem.status).toBe(400);
    expect(problem.body().errors).toEqual([
      expect.objectContaining({ path: 'leg', detail: 'is not a leg; the legs are inventory' }),
    ]);
  });

  it('answers an action that does not apply now with 409 and exit 6, and a retryable failure with Retry-After', () => {
    const refused = new DeliveryActionRefusedError('d-1', 'resume', 'shipping is not paused.');
    expect(problemOf(refused, limits).body()).toMatchObject({ status: 409, action: 'resume' });
    expect(describeFailure(refused).exitCode).toBe(ExitCode.refused);
    const noWorker = problemOf(new WorkerUnavailableError('d-1', 'q', 5000, 'x:1'), limits);
    expect(noWorker.status).toBe(503);
    expect(noWorker.extras.headers).toEqual({ 'retry-after': '5' });
  });
});
