import { lookup as systemLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { EgressEntry, Family } from '../contract/config/egress-entry';
import { TandemError } from '../contract/errors';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses; the worker uses DNS, tests a local stub. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** DNS as the operating system resolves it (`/etc/hosts` included). */
export const systemResolver: Resolver = async (hostname) =>
  (await systemLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

const familyOf = (address: string): Family => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

// Not the public internet: a worker reaches these only where the config admits them.
const SPECIAL_RANGES: readonly (readonly [string, number, Family, string])[] = [
  ['0.0.0.0', 8, 'ipv4', 'a "this network" address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address (cloud metadata lives here)'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol address'],
  ['192.0.2.0', 24, 'ipv4', 'a documentation address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['198.51.100.0', 24, 'ipv4', 'a documentation address'],
  ['203.0.113.0', 24, 'ipv4', 'a documentation address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'the unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  // NAT64, 6to4 and Teredo carry an IPv4 address inside, which may be any of the above.
  ['64:ff9b::', 96, 'ipv6', 'a NAT64 address'],
  ['64:ff9b:1::', 48, 'ipv6', 'a local NAT64 address'],
  ['100::', 64, 'ipv6', 'a discard address'],
  ['2001::', 32, 'ipv6', 'a Teredo tunnel address'],
  ['2001:db8::', 32, 'ipv6', 'a documentation address'],
  ['2002::', 16, 'ipv6', 'a 6to4 tunnel address'],
  ['fc00::', 7, 'ipv6', 'a unique-local (private) address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];
const SPECIAL = SPECIAL_RANGES.map(([network, prefix, family, kind]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, kind };
});

/** What kind of non-public address `address` is (IPv4-mapped IPv6 included), or undefined. */
export function specialAddressKind(address: string): string | undefined {
  const family = familyOf(address);
  return SPECIAL.find(({ list }) => list.check(address, family))?.kind;
}

type Network = Extract<EgressEntry, { kind: 'network' }>;

/** Where a worker may connect: host names, and the non-public addresses it is admitted to. */
export interface EgressRules {
  /** Host names (and IP literals) a request's URL may name, as `URL.hostname` spells them. */
  hosts: Iterable<string>;
  /** Networks whose addresses are admitted, though not public, whatever host was asked for. */
  networks: Iterable<Network>;
  /** Networks admitted only when the request names this host (a target's own IP or `localhost`). */
  hostNetworks?: Iterable<{ host: string; network: Network }>;
}

/**
 * The egress fence: a request may name only an allowed host, and connect only to a public
 * address or to one an allowed network holds. It is checked at every connect, after DNS, so an
 * answer that changes between connects (DNS rebinding) is judged again each time.
 */
export class EgressPolicy {
  private readonly hosts: ReadonlySet<string>;
  private readonly admitted = new BlockList();
  private readonly admittedFor = new Map<string, BlockList>();

  constructor(rules: EgressRules) {
    this.hosts = new Set([...rules.hosts].map(bareHost));
    for (const { address, prefix, family } of rules.networks) {
      this.admitted.addSubnet(address, prefix, family);
    }
    for (const { host, network } of rules.hostNetworks ?? []) {
      const key = bareHost(host);
      const list = this.admittedFor.get(key) ?? new BlockList();
      list.addSubnet(network.address, network.prefix, network.family);
      this.admittedFor.set(key, list);
    }
  }

  /** Why a request naming `hostname` may not connect at all, or undefined. */
  hostRefusal(hostname: string): string | undefined {
    return this.hosts.has(bareHost(hostname))
      ? undefined
      : 'its host is neither named by the config nor listed in egress.allow';
  }

  /**
   * Why a request naming `hostname` may not connect to `address`, or undefined when it may. An
   * address admitted for one host (a target's `http://10.0.0.5`) stays refused for every other
   * host that resolves to it.
   */
  addressRefusal(address: string, hostname: string): string | undefined {
    const family = familyOf(address);
    if (this.admitted.check(address, family)) return undefined;
    if (this.admittedFor.get(bareHost(hostname))?.check(address, family)) return undefined;
    const kind = specialAddressKind(address);
    return kind && `${address} is ${kind}; list it (or its network) in egress.allow to admit it`;
  }
}

const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/** The fence refused a connection: nothing was sent. `reason` names the address. */
export class EgressRefusedError extends TandemError {
  override readonly name = 'EgressRefusedError';
  readonly code = 'TANDEM_EGRESS_REFUSED';
  constructor(readonly reason: string) {
    super(`the egress fence refused it: ${reason}`);
  }
}

/**
 * The connect step of the HTTP client's pooled agent, fenced by `policy`: host names go through
 * `resolve` and only admitted addresses reach the socket; IP literals are judged as they are.
 */
export function fencedConnector(policy: EgressPolicy, resolve: Resolver): buildConnector.connector {
  const lookup: LookupFunction = (hostname, options, callback) => {
    const answer = async () => {
      const found = await resolve(hostname);
      const admitted = found.filter(({ address }) => !policy.addressRefusal(address, hostname));
      if (admitted.length === 0) {
        const first = found[0];
        throw first
          ? new EgressRefusedError(policy.addressRefusal(first.address, hostname) ?? '')
          : Object.assign(new Error(`no address for the host`), { code: 'ENOTFOUND' });
      }
      return admitted;
    };
    answer().then(
      (admitted) => {
        if (options.all) callback(null, admitted);
        else callback(null, admitted[0]!.address, admitted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
  const connect = buildConnector({ lookup });
  return (options, callback) => {
    const host = bareHost(options.hostname);
    const refusal =
      policy.hostRefusal(host) ??
      (isIP(host) !== 0 ? policy.addressRefusal(host, host) : undefined);
    if (refusal) callback(new EgressRefusedError(refusal), null);
    else connect(options, callback);
  };
}
