import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The private-network block (DESIGN.md §7). Webhook URLs are chosen by tenants, so without it any
 * tenant could make Herald POST to its own loopback, the LAN or a cloud metadata service.
 *
 * The check runs at connect time on the addresses the connection will really use: `lookup`
 * replaces DNS resolution for undici's sockets and fails the connection when any resolved address
 * is blocked, so a hostname that resolves to a public address when the URL is written and to
 * 127.0.0.1 later (DNS rebinding) is still stopped. Literal addresses never reach `lookup` (node
 * skips resolution for them), so the sender's connector checks those with `blockReason` first;
 * the API rejects them at write time with `blockedLiteralReason`.
 *
 * Matching uses node:net's BlockList. BlockList matches an IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`) against IPv4 rules, which is what we want for both the blocked ranges and
 * the exemptions. The flip side: an IPv6 rule for `::ffff:0:0/96` would match every IPv4 address,
 * so no such rule appears here.
 */

interface Range {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
  label: string;
}

const blockedRanges: readonly Range[] = [
  { address: '0.0.0.0', prefix: 8, family: 'ipv4', label: 'unspecified ("this network")' },
  { address: '10.0.0.0', prefix: 8, family: 'ipv4', label: 'private (RFC 1918)' },
  { address: '100.64.0.0', prefix: 10, family: 'ipv4', label: 'carrier-grade NAT (RFC 6598)' },
  { address: '127.0.0.0', prefix: 8, family: 'ipv4', label: 'loopback' },
  { address: '169.254.0.0', prefix: 16, family: 'ipv4', label: 'link-local (incl. cloud metadata 169.254.169.254)' },
  { address: '172.16.0.0', prefix: 12, family: 'ipv4', label: 'private (RFC 1918)' },
  { address: '192.168.0.0', prefix: 16, family: 'ipv4', label: 'private (RFC 1918)' },
  { address: '224.0.0.0', prefix: 4, family: 'ipv4', label: 'multicast' },
  { address: '240.0.0.0', prefix: 4, family: 'ipv4', label: 'reserved (incl. broadcast)' },
  { address: '::', prefix: 128, family: 'ipv6', label: 'unspecified' },
  { address: '::1', prefix: 128, family: 'ipv6', label: 'loopback' },
  // ::a.b.c.d, deprecated by RFC 4291; nothing legitimate uses it.
  { address: '::', prefix: 96, family: 'ipv6', label: 'IPv4-compatible IPv6 (deprecated)' },
  { address: '64:ff9b::', prefix: 96, family: 'ipv6', label: 'NAT64 (RFC 6052)' },
  { address: '64:ff9b:1::', prefix: 48, family: 'ipv6', label: 'local-use NAT64 (RFC 8215)' },
  { address: 'fc00::', prefix: 7, family: 'ipv6', label: 'unique-local' },
  { address: 'fe80::', prefix: 10, family: 'ipv6', label: 'link-local' },
  { address: 'ff00::', prefix: 8, family: 'ipv6', label: 'multicast' },
];

const rangeLists = blockedRanges.map((range) => {
  const list = new BlockList();
  list.addSubnet(range.address, range.prefix, range.family);
  return { range, list };
});

function familyOf(address: string): 'ipv4' | 'ipv6' | null {
  const family = isIP(address);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : null;
}

/** Parses `HERALD_ALLOWED_NETWORKS` entries (`10.0.0.0/8`, `::1/128`, or a bare address). */
function allowList(networks: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of networks) {
    const [address = '', bits] = cidr.split('/');
    const family = familyOf(address);
    if (family === null) throw new Error(`"${cidr}" is not a CIDR`);
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/** Thrown through undici when a connection is refused by the guard; the message is the reason. */
export class BlockedAddressError extends Error {
  readonly code = 'HERALD_BLOCKED_ADDRESS';
  constructor(message: string, readonly address: string) {
    super(message);
    this.name = 'BlockedAddressError';
  }
}

export class NetworkGuard {
  private readonly allowed: BlockList;

  constructor(readonly allowedNetworks: readonly string[]) {
    this.allowed = allowList(allowedNetworks);
  }

  /**
   * Why a connection to this IP address is refused, or null when it is allowed. Not an IP
   * address at all: null (hostnames are checked after resolution, in `lookup`).
   */
  blockReason(address: string): string | null {
    const family = familyOf(address);
    if (family === null) return null;
    let hit: (typeof rangeLists)[number] | undefined;
    try {
      hit = rangeLists.find(({ list }) => list.check(address, family));
      if (!hit || this.allowed.check(address, family)) return null;
    } catch {
      // Fail closed: an address BlockList cannot read is not one to connect to.
      return `blocked by the private-network guard: ${address} could not be checked`;
    }
    const mapped = family === 'ipv6' && hit.range.family === 'ipv4' ? ' (IPv4-mapped)' : '';
    return (
      `blocked by the private-network guard: ${address}${mapped} is in ${hit.range.address}/${hit.range.prefix}, ${hit.range.label}; ` +
      'exempt it with HERALD_ALLOWED_NETWORKS'
    );
  }

  /**
   * A drop-in for `dns.lookup` in socket options: resolves every address, refuses the connection
   * when any of them is blocked (one blocked answer is enough for a rebinding attack to pick it),
   * and hands back the answer in the shape the caller asked for (node's happy-eyeballs connect
   * asks with `all: true`).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '');
      const first = addresses[0];
      if (!first) {
        const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        notFound.code = 'ENOTFOUND';
        return callback(notFound, '');
      }
      for (const { address } of addresses) {
        const reason = this.blockReason(address);
        if (reason !== null) return callback(new BlockedAddressError(`${hostname}: ${reason}`, address), '');
      }
      if ((options as LookupOptions).all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/**
 * The host of `url` when it is a literal IP address, in the WHATWG URL parser's canonical form:
 * `http://2130706433/`, `http://0x7f.1/` and `http://0177.0.0.1/` all come back as `127.0.0.1`,
 * and `[::ffff:127.0.0.1]` as `::ffff:7f00:1`. Null for hostnames and unparseable URLs.
 */
export function literalHost(url: string): string | null {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return null;
  }
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? null : bare;
}

const guards = new Map<string, NetworkGuard>();
function guardFor(allowedNetworks: readonly string[]): NetworkGuard {
  const key = allowedNetworks.join(',');
  let guard = guards.get(key);
  if (!guard) {
    guard = new NetworkGuard(allowedNetworks);
    guards.set(key, guard);
  }
  return guard;
}

/**
 * For the API at write time: the block reason when `url`'s host is a literal address in a blocked
 * range (and not exempt), else null. Hostnames pass here; they are checked when connecting.
 */
export function blockedLiteralReason(url: string, allowedNetworks: readonly string[]): string | null {
  const host = literalHost(url);
  return host === null ? null : guardFor(allowedNetworks).blockReason(host);
}

export function isBlockedLiteral(url: string, allowedNetworks: readonly string[]): boolean {
  return blockedLiteralReason(url, allowedNetworks) !== null;
}
