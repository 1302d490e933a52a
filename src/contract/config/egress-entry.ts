import { isIP } from 'node:net';

/** An IP address family, as `node:net` names it. */
export type Family = 'ipv4' | 'ipv6';

const CIDR = /^([^/]+)\/(\d{1,3})$/;
const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** An `egress.allow` entry, read: a host name, or a network (an IP is a network of one). */
export type EgressEntry =
  | { kind: 'host'; host: string }
  | { kind: 'network'; address: string; prefix: number; family: Family };

/** Reads an `egress.allow` entry (`api.example.com`, `10.1.2.3`, `10.0.0.0/8`, `fd00::/8`). */
export function parseEgressEntry(text: string): EgressEntry | undefined {
  const cidr = CIDR.exec(text);
  const address = (cidr?.[1] ?? text).replace(/^\[(.*)\]$/, '$1');
  const version = isIP(address);
  if (version !== 0) {
    const bits = version === 6 ? 128 : 32;
    const prefix = cidr ? Number(cidr[2]) : bits;
    if (prefix > bits) return undefined;
    return { kind: 'network', address, prefix, family: version === 6 ? 'ipv6' : 'ipv4' };
  }
  if (cidr || !HOST_NAME.test(text)) return undefined;
  return { kind: 'host', host: text.toLowerCase() };
}
