import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { describe, expect, it } from 'vitest';
import { LogSetupError } from '../../src/contract/errors';
import { createLogger, LOG_LEVEL_ENV, logLevelFrom, SdkLogAdapter } from '../../src/telemetry/log';
import { memoryLogger } from '../support/log-lines';

describe('the log level', () => {
  it('is info unless TANDEM_LOG_LEVEL names another, in any case', () => {
    expect(logLevelFrom({})).toBe('info');
    expect(logLevelFrom({ [LOG_LEVEL_ENV]: ' DEBUG ' })).toBe('debug');
    expect(logLevelFrom({ [LOG_LEVEL_ENV]: '' }, 'warn')).toBe('warn');
  });

  it('refuses an unknown level, naming the variable and the levels it takes', () => {
    const refuse = () =>
      createLogger({ env: { [LOG_LEVEL_ENV]: 'verbose' }, destination: 'stderr' });
    expect(refuse).toThrow(LogSetupError);
    expect(refuse).toThrow(/TANDEM_LOG_LEVEL=verbose is not a log level: use one of trace, debug/);
  });
});

describe('a log line', () => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);

  it('carries the trace and span id of the span active where it is logged, and none outside', () => {
    const { logger, lines } = memoryLogger();
    const span = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    logger.info('outside');

    expect(lines[0]).toMatchObject({
      msg: 'inside',
      level: 'info',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
    });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('from the SDK names the delivery of its run, keeps Core module apart from the target, and drops task tokens', () => {
    const { logger, lines } = memoryLogger({ [LOG_LEVEL_ENV]: 'debug' });
    const sdk = new SdkLogAdapter(logger, new Set(['Activity failed']));
    sdk.warn('Workflow failed', { workflowId: 'delivery-order-7', taskQueue: 'tandem' });
    sdk.info('Initializing worker', { sdkComponent: 'core', target: 'temporalio_sdk_core' });
    sdk.debug('Activity completed', { taskToken: 'opaque', target: 'inventory', attempt: 2 });
    sdk.warn('Activity failed', { workflowId: 'delivery-order-7' });
    sdk.info('Worker state changed', { workflowId: 'some-other-workflow' });

    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'Workflow failed', delivery_id: 'order-7' }),
      expect.objectContaining({ module: 'temporalio_sdk_core', msg: 'Initializing worker' }),
      expect.objectContaining({ level: 'debug', target: 'inventory', attempt: 2 }),
      expect.objectContaining({ msg: 'Worker state changed' }),
    ]);
    expect(lines[3]).not.toHaveProperty('delivery_id');
    expect(lines[1]).not.toHaveProperty('target');
    expect(lines[2]).not.toHaveProperty('taskToken');
  });

  it('never shows header values, wherever headers are passed', () => {
    const { logger, lines } = memoryLogger();
    logger.info({ request: { headers: { authorization: 'Bearer s3cret' } } }, 'sent');
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });
});
