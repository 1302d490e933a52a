import { ApplicationFailure } from '@temporalio/activity';
import type { TandemConfig, TargetConfig } from '../contract/config/schema';
import {
  idempotencyKeyFor,
  TANDEM_HEADERS,
  type AttemptInput,
  type CompensationInput,
} from '../contract/contracts';
import { TemplateError } from '../contract/errors';
import { FailureType, type AttemptFailureDetails } from '../contract/failures';
import type { HttpClient } from '../http/client';
import { judgeCompensationStatus, judgeStatus } from '../http/judge';
import {
  keepSecret,
  renderJson,
  renderText,
  renderUrl,
  type SecretResolver,
  type TemplateContext,
} from '../contract/template';
import type { AttemptMeter } from '../telemetry/metrics';
import { sendAttempt } from './attempt';
import { resolveHeaderSecrets, resolveSecrets, secretScrubber, secretsFrom } from './secrets';
import { signatureHeaders } from './signing';

/** What the activities are built over. */
export interface ActivityDependencies {
  config: TandemConfig;
  http: HttpClient;
  /** Where `${VAR}` secrets are read from: the worker's environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** The payload of the run whose attempt is running (see `RunPayloads`). */
  payloadOfRun: () => Promise<unknown>;
  /** Counts and times every attempt (see `attemptMeter`); none when absent. */
  measure?: AttemptMeter;
}

const unmeasured: AttemptMeter = () => () => undefined;

function notSent(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    details: [{ outcome: 'not_sent' } satisfies AttemptFailureDetails],
  });
}

/** Header values rendered by `render`, by lower-case name. */
function headersOf(
  headers: Readonly<Record<string, string>>,
  render: (value: string) => string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), render(value)]),
  );
}

/** What an attempt's span names of its input. */
function traceOf({ deliveryId, target, attempt }: AttemptInput) {
  return { deliveryId, target, attempt };
}

/**
 * Builds the activities over one pooled HTTP client. Each call is one attempt: the workflow
 * owns the retry policy, so it knows every attempt's outcome.
 */
export function createActivities({
  config,
  http,
  env,
  payloadOfRun,
  measure = unmeasured,
}: ActivityDependencies) {
  const secret: SecretResolver = secretsFrom(env);

  function targetOf(name: string): TargetConfig {
    const target = config.targets[name];
    if (!target) {
      throw notSent(
        FailureType.WorkerConfig,
        `This worker's config has no target "${name}"; deploy the config that declares it.`,
      );
    }
    return target;
  }

  function tandemHeaders(input: AttemptInput, idempotencyKey: string) {
    return {
      'content-type': 'application/json',
      [TANDEM_HEADERS.idempotencyKey]: idempotencyKey,
      [TANDEM_HEADERS.delivery]: input.deliveryId,
      [TANDEM_HEADERS.attempt]: String(input.attempt),
    };
  }

  return {
    /** Sends the delivery's payload to one target: one attempt. */
    async deliver(input: AttemptInput) {
      const target = targetOf(input.target);
      const key = idempotencyKeyFor(input.deliveryId, input.target);
      const body = JSON.stringify(await payloadOfRun());
      return sendAttempt(
        http,
        `${input.target} (attempt ${input.attempt})`,
        {
          method: target.request.method,
          url: resolveSecrets(target.request.url, secret),
          shownUrl: target.request.url,
          headers: {
            ...resolveHeaderSecrets(target.request.headers, env),
            ...tandemHeaders(input, key),
            ...signatureHeaders(target.signing, key, body, secret),
          },
          shownHeaders: headersOf(target.request.headers, (value) => value),
          body,
          timeoutMs: input.timeoutMs,
        },
        (status) => judgeStatus(status, target.successStatuses),
        secretScrubber(target, env),
        measure(input.target, 'deliver'),
        {
          ...traceOf(input),
          phase: 'deliver',
          method: target.request.method,
          urlTemplate: target.request.url,
        },
      );
    },

    /** Undoes one target's leg: one attempt. A 404 counts as done. */
    async compensate(input: CompensationInput) {
      const undo = targetOf(input.target).compensate;
      if (!undo) {
        throw notSent(
          FailureType.WorkerConfig,
          `Target "${input.target}" declares no compensate call in this worker's config.`,
        );
      }
      const key = `${idempotencyKeyFor(input.deliveryId, input.target)}:compensate`;
      const context: TemplateContext = {
        delivery: { id: input.deliveryId },
        idempotencyKey: idempotencyKeyFor(input.deliveryId, input.target),
        payload: await payloadOfRun(),
        ...(input.response && { response: input.response }),
      };
      const scrub = secretScrubber(undo, env);
      let url: string, shownUrl: string, headers: Record<string, string>, body: string | undefined;
      try {
        // The template form first: a template error then quotes it, secrets as `${VAR}`.
        shownUrl = renderUrl(undo.url, context, keepSecret);
        url = renderUrl(undo.url, context, secret);
        headers = headersOf(undo.headers, (value) => renderText(value, context, secret));
        body = undo.body === undefined ? undefined : renderJson(undo.body, context, secret);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        throw notSent(FailureType.Template, scrub(`${input.target}: ${error.message}`));
      }
      return sendAttempt(
        http,
        `${input.target} compensation (attempt ${input.attempt})`,
        {
          method: undo.method,
          url,
          shownUrl,
          headers: {
            ...headers,
            ...tandemHeaders(input, key),
            ...signatureHeaders(targetOf(input.target).signing, key, body ?? '', secret),
          },
          shownHeaders: headersOf(undo.headers, (value) => value),
          ...(body !== undefined && { body }),
          timeoutMs: input.timeoutMs,
        },
        judgeCompensationStatus,
        scrub,
        measure(input.target, 'compensate'),
        { ...traceOf(input), phase: 'compensate', method: undo.method, urlTemplate: undo.url },
      );
    },
  };
}

/** The activities a worker registers; workflows import this type only. */
export type Activities = ReturnType<typeof createActivities>;
