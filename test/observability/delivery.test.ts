import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpEnv } from '../../src/cluster/observability';
import type { DeliveryState } from '../../src/contract/contracts';
import { freePort } from '../../src/host/machine';
import { dashboardQueries } from '../support/dashboard';
import { API_KEY } from '../support/gateway';
import { spawnTandem, type SpawnedProcess } from '../support/processes';
import { canaryHeaders, INVENTORY_TOKEN, startSystem, type System } from '../support/system';
import type { TraceSpan } from '../support/jaeger-query';
import { until } from '../support/wait';
import {
  startTestJaeger,
  startTestPrometheus,
  type TestJaeger,
  type TestPrometheus,
} from './backends';

/**
 * One delivery through a real `tandem gateway` and `tandem worker`, as a user runs them, seen in
 * a real Jaeger (its trace), a real Prometheus (the dashboard's queries) and the worker's log.
 * Inventory answers 503 with `Retry-After: 1` once, then reserves; shipping refuses for good,
 * so inventory's reservation is undone.
 */

/** A secret in the inventory target's headers: no span, label or log line may carry it. */
const CANARY = `canary-${randomUUID()}`;
/** The caller's own trace, continued by the gateway. */
const TRACE_ID = randomUUID().replaceAll('-', '');
const CALLER_SPAN = randomUUID().replaceAll('-', '').slice(0, 16);

let system: System;
let jaeger: TestJaeger;
let prometheus: TestPrometheus;
let worker: SpawnedProcess;
let gateway: SpawnedProcess;
let gatewayUrl: string;
let id: string;
let accepted: { status: number; body: DeliveryState & { traceId?: string } };
let done: DeliveryState & { traceId?: string };

const call = async <T>(method: string, url: string, json?: unknown, headers = {}) => {
  const response = await fetch(gatewayUrl + url, {
    method,
    headers: {
      authorization: `Bearer ${API_KEY}`,
      ...(json !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(json !== undefined && { body: JSON.stringify(json) }),
  });
  return { status: response.status, body: (await response.json()) as T };
};

beforeAll(async () => {
  jaeger = await startTestJaeger();
  system = await startSystem(canaryHeaders('CANARY'), { workers: false });
  const [gatewayPort, metricsPort] = [await freePort(), await freePort()];
  const config = path.join(await mkdtemp(path.join(tmpdir(), 'tandem-obs-')), 'tandem.yaml');
  await writeFile(
    config,
    stringify({ ...system.document, gateway: { port: gatewayPort, metricsRefresh: '1s' } }),
  );
  // Only the standard OTEL_* variables turn tracing on; a short batch delay sends spans soon.
  const otel = { ...otlpEnv(jaeger), OTEL_BSP_SCHEDULE_DELAY: '200' };
  worker = spawnTandem(['worker'], {
    ...otel,
    TANDEM_CONFIG: config,
    INVENTORY_TOKEN,
    CANARY,
    TANDEM_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
  });
  gateway = spawnTandem(['gateway'], { ...otel, TANDEM_CONFIG: config, TANDEM_API_KEYS: API_KEY });
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await worker.waitForOutput('tandem worker: polling', 120_000);
  await gateway.waitForOutput('listening on', 60_000);
  prometheus = await startTestPrometheus([
    { job: 'tandem-worker', url: `http://127.0.0.1:${metricsPort}/metrics` },
    { job: 'tandem-gateway', url: `${gatewayUrl}/metrics`, bearer: API_KEY },
  ]);
  // Both scraped, and up, before the delivery starts: Prometheus sees the run as it happens.
  await prometheus.promQuery('count(count_over_time(up[1m]) >= 2 and up == 1) == 2');

  system.targets.setFault('inventory', 'create', { status: 503, retryAfter: '1', times: 1 });
  system.targets.setFault('shipping', 'create', { status: 422, latencyMs: 3000 });
  id = system.newId();
  accepted = await call(
    'POST',
    '/v1/deliveries',
    { id, targets: ['inventory', 'shipping'], payload: { sku: 'A-1' } },
    { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
  );
  done = (
    await until(
      () => call<DeliveryState & { traceId?: string }>('GET', `/v1/deliveries/${id}`),
      ({ body }) => body.status === 'compensated',
      { timeoutMs: 60_000, message: ({ body }) => `never compensated: ${JSON.stringify(body)}` },
    )
  ).body;
}, 240_000);

afterAll(async () => {
  gateway?.kill('SIGTERM');
  worker?.kill('SIGTERM');
  await Promise.all([gateway?.exited, worker?.exited]);
  await prometheus?.stop();
  await jaeger?.stop();
  await system?.stop();
});

const children = (spans: readonly TraceSpan[], parent: TraceSpan, name: string) =>
  spans.filter((span) => span.parentSpanId === parent.spanId && span.name === name);
/** The one `name` span under `parent`, failing the test when there is not exactly one. */
function only(spans: readonly TraceSpan[], parent: TraceSpan, name: string): TraceSpan {
  const found = children(spans, parent, name);
  expect(found, `${name} spans under ${parent.name}`).toHaveLength(1);
  return found[0]!;
}
/** The HTTP attempts of a leg or compensation: StartActivity → RunActivity → tandem.attempt. */
const attemptsOf = (spans: readonly TraceSpan[], phase: TraceSpan, activity: string) =>
  children(spans, phase, `StartActivity:${activity}`)
    .flatMap((span) => children(spans, span, `RunActivity:${activity}`))
    .flatMap((span) => children(spans, span, 'tandem.attempt'))
    .sort(
      (a, b) => Number(a.attributes['tandem.attempt']) - Number(b.attributes['tandem.attempt']),
    );

/** Whether Jaeger has the whole trace: the gateway's spans and every one of the run's. */
const complete = (spans: readonly TraceSpan[]) =>
  spans.some((span) => span.name === 'POST /v1/deliveries') &&
  spans.filter((span) => span.name === 'tandem.leg').length === 2 &&
  spans.some((span) => span.name === 'tandem.compensation') &&
  spans.filter((span) => span.name === 'tandem.attempt').length === 4;

describe('one delivery with a retry and a compensation, through real processes', () => {
  it("is one trace in Jaeger under the caller's trace id: gateway, start, workflow, legs, attempts with their HTTP attributes, the compensation; each target request names its attempt span; no secret", async () => {
    expect(accepted.status).toBe(202);
    expect(accepted.body.traceId).toBe(TRACE_ID);
    expect(done.traceId).toBe(TRACE_ID);
    const spans = await jaeger.queryTrace(TRACE_ID, complete);
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([TRACE_ID]));

    const roots = spans.filter((span) => span.parentSpanId === CALLER_SPAN);
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    expect(root).toMatchObject({
      name: 'POST /v1/deliveries',
      service: 'tandem-gateway',
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/v1/deliveries',
        'http.response.status_code': 202,
      },
    });
    const start = only(spans, root, 'tandem.start');
    expect(start.attributes['tandem.delivery.id']).toBe(id);
    const run = only(spans, only(spans, start, 'StartWorkflow:delivery'), 'RunWorkflow:delivery');
    expect(run.service).toBe('tandem-worker');
    const legs = children(spans, run, 'tandem.leg');
    const leg = (target: string) =>
      legs.find((span) => span.attributes['tandem.target'] === target)!;
    expect(legs.map((span) => span.attributes['tandem.outcome']).sort()).toEqual([
      'failed',
      'succeeded',
    ]);
    expect(leg('inventory').attributes['tandem.outcome']).toBe('succeeded');
    expect(
      leg('inventory').events.map((event) => [
        event.name,
        event.attributes['tandem.retry_after_ms'],
      ]),
    ).toEqual([['tandem.backoff', 1000]]);

    const { url: targetsUrl } = system.targets;
    const inventory = attemptsOf(spans, leg('inventory'), 'deliver');
    expect(
      inventory.map((span) => [
        span.attributes['tandem.attempt'],
        span.attributes['tandem.outcome'],
        span.attributes['http.response.status_code'],
      ]),
    ).toEqual([
      [1, 'transient', 503],
      [2, 'success', 201],
    ]);
    for (const attempt of inventory) {
      expect(attempt).toMatchObject({
        service: 'tandem-worker',
        attributes: {
          'http.request.method': 'POST',
          'url.template': `${targetsUrl}/inventory/reservations`,
          'server.address': '127.0.0.1',
          'server.port': Number(new URL(targetsUrl).port),
          'tandem.delivery.id': id,
          'tandem.target': 'inventory',
          'tandem.phase': 'deliver',
        },
      });
    }
    const [shipping, ...moreShipping] = attemptsOf(spans, leg('shipping'), 'deliver');
    expect(moreShipping).toEqual([]);
    expect(shipping!.attributes).toMatchObject({
      'tandem.attempt': 1,
      'tandem.outcome': 'permanent',
      'http.response.status_code': 422,
    });
    const undo = only(spans, run, 'tandem.compensation');
    expect(undo.attributes).toMatchObject({
      'tandem.target': 'inventory',
      'tandem.outcome': 'succeeded',
    });
    const [undoAttempt, ...moreUndo] = attemptsOf(spans, undo, 'compensate');
    expect(moreUndo).toEqual([]);
    expect(undoAttempt!.attributes).toMatchObject({
      'http.request.method': 'DELETE',
      'url.template': `${targetsUrl}/inventory/reservations/{{response.body.id}}`,
      'tandem.attempt': 1,
      'tandem.phase': 'compensate',
      'tandem.outcome': 'success',
    });

    // Each request a target received carried the traceparent of its own attempt span.
    const requests = system.targets.received();
    expect(requests).toHaveLength(4);
    const attempts = [...inventory, shipping!, undoAttempt!];
    for (const request of requests) {
      const [, traceId, spanId] = (request.headers.traceparent ?? '').split('-');
      const attempt = attempts.find((span) => span.spanId === spanId);
      expect([traceId, attempt?.attributes['tandem.target']], request.path).toEqual([
        TRACE_ID,
        request.api,
      ]);
    }
    expect(new Set(requests.map((request) => request.headers.traceparent)).size).toBe(4);

    // The canary was sent to inventory, and Jaeger has it nowhere.
    expect(system.targets.received('inventory', 'undo')[0]!.headers['x-canary']).toBe(CANARY);
    const raw = await (await fetch(`${jaeger.uiUrl}/api/v3/traces/${TRACE_ID}`)).text();
    expect(raw).toContain(id);
    expect(raw).not.toContain(CANARY);
    expect(raw).not.toContain(INVENTORY_TOKEN);
  });

  it('gives every query of the dashboard data from Prometheus scraping the worker and the gateway, with no delivery id or secret in any label', async () => {
    // The run's last counter has two samples: every series a rate() reads has the two it needs.
    await prometheus.promQuery(
      'count_over_time(tandem_delivery_outcomes_total{status="compensated"}[5m]) >= 2',
    );
    await prometheus.promQuery('tandem_deliveries{status="compensated"} >= 1');
    const empty: string[] = [];
    // A breaker never trips in this run (its transitions have their own tests); the panel's
    // metric name is still checked against the metric table by the unit tier.
    const notCausedHere = new Set(['Circuit breaker transitions']);
    for (const { panel, expr } of dashboardQueries().filter((q) => !notCausedHere.has(q.panel))) {
      const query = asGrafanaWould(expr);
      const series = await prometheus.promQuery(query, 0).catch(() => []);
      if (series.length === 0) empty.push(`${panel}: ${query}`);
    }
    expect(empty, 'dashboard queries that returned no data').toEqual([]);
    // A query naming a metric nobody serves returns nothing, and would be listed above.
    await expect(
      prometheus.promQuery(asGrafanaWould('sum(rate(tandem_attempt_total[$__rate_interval]))'), 0),
    ).rejects.toThrow(/returned no series/);

    const all = await prometheus.promQuery('{__name__=~".+"}');
    expect(all.map((series) => series.metric.__name__)).toContain('tandem_attempts_total');
    const labelValues = all.flatMap((series) => Object.values(series.metric));
    for (const secret of [id, CANARY, INVENTORY_TOKEN]) {
      expect(labelValues.filter((value) => value.includes(secret))).toEqual([]);
    }
  });

  it("writes the worker's log as JSON lines whose attempt lines carry the trace id Jaeger has, and no canary", async () => {
    const spans = await jaeger.queryTrace(TRACE_ID, complete);
    const attemptLines = (text: string) =>
      jsonLines(text).filter((line) => 'outcome' in line && line.delivery_id === id);
    const stdout = await until(
      () => worker.waitForOutput(''),
      (text) => attemptLines(text).length === 4,
      { message: (text) => `the worker's attempt lines: ${attemptLines(text).length}` },
    );
    const lines = attemptLines(stdout);
    expect(
      lines.map((line) => [line.target, line.activityType, line.attempt, line.outcome]),
    ).toEqual(
      expect.arrayContaining([
        ['inventory', 'deliver', 1, 'transient'],
        ['inventory', 'deliver', 2, 'success'],
        ['shipping', 'deliver', 1, 'permanent'],
        ['inventory', 'compensate', 1, 'success'],
      ]),
    );
    const spanIds = new Set(spans.map((span) => span.spanId));
    for (const line of lines) {
      expect(line.trace_id).toBe(TRACE_ID);
      expect(spanIds.has(String(line.span_id)), `span ${String(line.span_id)} in Jaeger`).toBe(
        true,
      );
    }
    const gatewayOut = await gateway.waitForOutput('');
    expect(jsonLines(gatewayOut).length).toBeGreaterThan(0);
    expect(stdout + gatewayOut).not.toContain(CANARY);
  });
});

/** Every line of `text`, parsed; a line that is not a JSON object fails the test, named. */
function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

/**
 * `expr` with the dashboard's variables replaced as Grafana would for this Prometheus (1 s
 * scrapes, the last 5 minutes): `$__rate_interval` is max(4 × scrape, `$__interval` + scrape), a
 * multi-value variable left at "All" matches anything. A variable it does not know fails the
 * test, so a new one is given its value here.
 */
function asGrafanaWould(expr: string): string {
  const values: Record<string, string> = {
    __interval: '1s',
    __rate_interval: '4s',
    __range: '5m',
    target: '.*',
  };
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (variable, ...names) => {
    const name = names.slice(0, 3).find((n): n is string => typeof n === 'string')!;
    const value = values[name];
    if (value === undefined) throw new Error(`the dashboard uses ${variable}: give it a value`);
    return value;
  });
}
