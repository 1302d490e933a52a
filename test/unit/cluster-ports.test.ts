import { describe, expect, it } from 'vitest';
import type { ClusterBinaries } from '../../src/cluster/install';
import { metricsUrl, temporalServiceSpec } from '../../src/cluster/specs';
import {
  choosePorts,
  metricsPortName,
  TEMPORAL_SERVICES,
  type ClusterPorts,
  type ClusterState,
} from '../../src/cluster/state';

/** The ports of a cluster made before its services had metrics ports. */
const olderPorts = {
  postgres: 15432,
  frontend: 17233,
  frontendHttp: 17243,
  frontendMembership: 16933,
  history: 17234,
  historyMembership: 16934,
  matching: 17235,
  matchingMembership: 16935,
  worker: 17239,
  workerMembership: 16939,
  ui: 18233,
  gateway: 18080,
} satisfies ClusterPorts;

const stateWith = (ports: ClusterPorts) =>
  ({
    dir: '/tmp/cluster',
    ports,
    historyShards: 4,
    namespace: 'default',
    postgresPassword: 'p',
    gatewayKey: 'k',
    tandemConfig: '/tmp/cluster/tandem.yaml',
    workers: 0,
    pids: {},
  }) satisfies ClusterState;

const binaries = { server: '/bin/temporal-server' } as ClusterBinaries;

describe('cluster metrics ports', () => {
  it("keeps an older cluster's ports and gives each Temporal service a metrics port of its own", async () => {
    const ports = await choosePorts({}, olderPorts);
    expect(ports).toMatchObject(olderPorts);
    const metrics = TEMPORAL_SERVICES.map((service) => ports[metricsPortName(service)]);
    expect(metrics.every((port) => Number.isInteger(port))).toBe(true);
    const all = Object.values(ports);
    expect(new Set(all).size).toBe(all.length);
  });

  it('serves each service its metrics on its own port, and none where the state has no port', () => {
    const state = stateWith({ ...olderPorts, historyMetrics: 19001, matchingMetrics: 19002 });
    const env = (service: (typeof TEMPORAL_SERVICES)[number]) =>
      temporalServiceSpec(state, binaries, service, {}).env;
    expect(env('history').PROMETHEUS_ENDPOINT).toBe('127.0.0.1:19001');
    expect(env('matching').PROMETHEUS_ENDPOINT).toBe('127.0.0.1:19002');
    expect(env('frontend').PROMETHEUS_ENDPOINT).toBeUndefined();
    expect(metricsUrl(state, 'history')).toBe('http://127.0.0.1:19001/metrics');
    expect(metricsUrl(state, 'worker')).toBeUndefined();
  });
});
