import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterInstallError, installObservabilityBinaries } from '../../src/cluster/install';
import type { CommandRunner } from '../../src/host/machine';
import {
  JAEGER_DEFAULT_PORTS,
  jaegerConfig,
  ObservabilityBackendError,
  prometheusArgs,
  prometheusConfig,
} from '../../src/cluster/observability';
import { caught } from '../support/wait';

/** Every `host:port` string anywhere in a config, with where it is. */
function addresses(value: unknown, at = ''): { at: string; address: string }[] {
  if (typeof value === 'string') return /^[^\s/]*:\d+$/.test(value) ? [{ at, address: value }] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => addresses(inner, `${at}.${key}`));
}

describe('the trace and metrics backends listen on 127.0.0.1 only', () => {
  const ports = { otlpHttp: 1, otlpGrpc: 2, ui: 3, queryGrpc: 4, health: 5 };

  it("names 127.0.0.1 for each of Jaeger's listeners, one per port it is given", () => {
    const config = jaegerConfig(ports);
    expect(addresses(config)).toEqual([
      { at: '.extensions.healthcheckv2.http.endpoint', address: '127.0.0.1:5' },
      { at: '.extensions.jaeger_query.http.endpoint', address: '127.0.0.1:3' },
      { at: '.extensions.jaeger_query.grpc.endpoint', address: '127.0.0.1:4' },
      { at: '.receivers.otlp.protocols.grpc.endpoint', address: '127.0.0.1:2' },
      { at: '.receivers.otlp.protocols.http.endpoint', address: '127.0.0.1:1' },
    ]);
  });

  it('runs no Jaeger component whose listener would take its default, all-interface address', () => {
    const config = jaegerConfig(JAEGER_DEFAULT_PORTS) as {
      service: { extensions: string[]; pipelines: { traces: { receivers: string[] } } };
    } & Record<string, unknown>;
    // The store and the exporter have no listener; every other component names its address above.
    expect(config.service.extensions).toEqual(['jaeger_storage', 'jaeger_query', 'healthcheckv2']);
    expect(config.service.pipelines.traces.receivers).toEqual(['otlp']);
    // The collector's own metrics would listen on 8888 unless turned off.
    expect(config.service).toMatchObject({ telemetry: { metrics: { level: 'none' } } });
  });

  it('gives Prometheus one listen address, on 127.0.0.1', () => {
    const args = prometheusArgs('/tmp/p', 9090);
    expect(args.filter((arg) => /listen|address|:\d+/.test(arg))).toEqual([
      '--web.listen-address=127.0.0.1:9090',
    ]);
  });

  it('scrapes only targets on 127.0.0.1, each with its path and bearer key', () => {
    expect(
      prometheusConfig(
        [
          { job: 'gateway', url: 'http://127.0.0.1:8080/metrics', bearer: 'k' },
          { job: 'worker', url: 'http://127.0.0.1:9464/m' },
        ],
        '1s',
      ),
    ).toEqual({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        {
          job_name: 'gateway',
          metrics_path: '/metrics',
          static_configs: [{ targets: ['127.0.0.1:8080'] }],
          authorization: { type: 'Bearer', credentials: 'k' },
        },
        {
          job_name: 'worker',
          metrics_path: '/m',
          static_configs: [{ targets: ['127.0.0.1:9464'] }],
        },
      ],
    });
  });

  it.each([
    'http://0.0.0.0:8080/metrics',
    'http://localhost:8080/metrics',
    'https://127.0.0.1:8080/m',
    'http://example.com/metrics',
  ])('refuses to scrape %s', (url) => {
    const error = caught(ObservabilityBackendError, () =>
      prometheusConfig([{ job: 'elsewhere', url, bearer: 'k' }], '1s'),
    );
    expect(error.message).toContain('(job elsewhere)');
  });
});

describe('installing the trace and metrics backends', () => {
  /** A `go` that records its calls and writes the binary each build would make. */
  function fakeGo(moduleDir: string, calls: string[][], failing?: string): CommandRunner {
    return async (_command, args, { env }) => {
      calls.push([...args]);
      if (failing !== undefined && args.includes(failing)) {
        return { exitCode: 1, stdout: '', stderr: 'go: something broke\n' };
      }
      if (args[0] === 'mod')
        return { exitCode: 0, stdout: JSON.stringify({ Dir: moduleDir }), stderr: '' };
      const output =
        args[0] === '-C' ? args[args.indexOf('-o') + 1]! : path.join(env.GOBIN!, 'prometheus');
      await writeFile(output, '#!/bin/sh\n', { mode: 0o755 });
      return { exitCode: 0, stdout: '', stderr: '' };
    };
  }

  it('builds Jaeger inside its downloaded module and Prometheus with go install, once, into the cache by version', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'tandem-cache-'));
    try {
      const calls: string[][] = [];
      const options = {
        env: { TANDEM_CACHE: cache },
        log: () => {},
        run: fakeGo('/mod/jaeger', calls),
      };
      const binaries = await installObservabilityBinaries(options);
      expect(binaries).toEqual({
        jaeger: path.join(cache, 'jaeger-1.75.0', 'jaeger'),
        prometheus: path.join(cache, 'prometheus-0.316.0', 'prometheus'),
      });
      expect(existsSync(binaries.jaeger) && existsSync(binaries.prometheus)).toBe(true);
      expect(calls.map((args) => args.filter((arg) => !arg.startsWith(cache)))).toEqual([
        ['mod', 'download', '-json', 'github.com/jaegertracing/jaeger@v1.75.0'],
        ['-C', '/mod/jaeger', 'build', '-trimpath', '-o', './cmd/jaeger'],
        ['install', 'github.com/prometheus/prometheus/cmd/prometheus@v0.316.0'],
      ]);
      // Found in the cache the second time: nothing is built.
      await installObservabilityBinaries(options);
      expect(calls).toHaveLength(3);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('says what failed and what to run by hand, and leaves nothing that looks installed', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'tandem-cache-'));
    try {
      const error = await caught(ClusterInstallError, () =>
        installObservabilityBinaries({
          env: { TANDEM_CACHE: cache },
          log: () => {},
          run: fakeGo('/mod/jaeger', [], 'build'),
        }),
      );
      expect(error.component).toBe('Jaeger 1.75.0');
      expect(error.message).toContain('go build exited with 1: go: something broke');
      expect(error.byHand).toContain('go mod download github.com/jaegertracing/jaeger@v1.75.0');
      expect(existsSync(path.join(cache, 'jaeger-1.75.0'))).toBe(false);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
