import { parseEgressEntry, type EgressEntry } from '../contract/config/egress-entry';
import { EgressPolicy } from './egress';
import type { TandemConfig } from '../contract/config/schema';

type Env = Readonly<Record<string, string | undefined>>;
type Network = Extract<EgressEntry, { kind: 'network' }>;

const SECRET = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const PLACEHOLDER = /\{\{[^{}]*\}\}/g;
const LOOPBACK: readonly Network[] = [
  { kind: 'network', address: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { kind: 'network', address: '::1', prefix: 128, family: 'ipv6' },
];

function hostOf(url: string): string | undefined {
  try {
    return new URL(url.replace(PLACEHOLDER, 'x')).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/**
 * The host a URL template writes out, or undefined when a `${VAR}` builds it: filled with two
 * different stand-ins, a literal host comes out the same both times.
 */
function literalHost(url: string): string | undefined {
  const one = hostOf(url.replace(SECRET, 'tandem-one'));
  return one !== undefined && one === hostOf(url.replace(SECRET, 'tandem-two')) ? one : undefined;
}

function asNetwork(host: string): Network | undefined {
  const entry = parseEgressEntry(host);
  return entry?.kind === 'network' ? entry : undefined;
}

/**
 * The egress fence of a worker's config. Allowed hosts: those the targets' request and
 * compensation URLs name (a `${VAR}` host as the worker's `env` resolves it now) and those
 * `egress.allow` lists. Admitted non-public addresses: the networks `egress.allow` lists, for
 * every host; an IP written literally as a URL's host, for that IP only; and loopback for a
 * literal `localhost`, for `localhost` only (a name that resolves there is still refused). A
 * host built from a `${VAR}` is allowed, but its address must be public or listed.
 */
export function egressPolicyFor(config: TandemConfig, env: Env): EgressPolicy {
  const hosts = new Set<string>();
  const networks: Network[] = [];
  const hostNetworks: { host: string; network: Network }[] = [];
  const urls = Object.values(config.targets).flatMap((t) => [
    t.request.url,
    ...(t.compensate ? [t.compensate.url] : []),
  ]);
  for (const url of urls) {
    const literal = literalHost(url);
    if (literal === undefined) {
      const resolved = hostOf(url.replace(SECRET, (whole, name: string) => env[name] ?? whole));
      if (resolved !== undefined) hosts.add(resolved);
      continue;
    }
    hosts.add(literal);
    const network = asNetwork(literal);
    const own = literal === 'localhost' ? LOOPBACK : network ? [network] : [];
    hostNetworks.push(...own.map((n) => ({ host: literal, network: n })));
  }
  for (const text of config.egress?.allow ?? []) {
    const entry = parseEgressEntry(text);
    if (entry?.kind === 'host') hosts.add(entry.host);
    else if (entry) {
      networks.push(entry);
      const full = entry.prefix === (entry.family === 'ipv6' ? 128 : 32);
      const url = entry.family === 'ipv6' ? `http://[${entry.address}]` : `http://${entry.address}`;
      if (full) hosts.add(hostOf(url) ?? entry.address);
    }
  }
  return new EgressPolicy({ hosts, networks, hostNetworks });
}
