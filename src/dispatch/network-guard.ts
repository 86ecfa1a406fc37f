import { lookup as dnsLookup, promises as dnsPromises, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { blockedAddressReason } from '../domain/network.js';

/**
 * The private-network block at connect time (DESIGN.md §7; which addresses are blocked, and why,
 * is `src/domain/network.ts`).
 *
 * The check runs on the addresses the connection will really use: `lookup` replaces DNS
 * resolution for undici's sockets and fails the connection when any resolved address is blocked,
 * so a hostname that resolves to a public address when the URL is written and to 127.0.0.1 later
 * (DNS rebinding) is still stopped. Literal addresses never reach `lookup` (node skips resolution
 * for them), so the sender's connector checks those with `blockReason` first.
 *
 * Names resolve through the system resolver (`getaddrinfo`: /etc/hosts, then the system's DNS)
 * unless `HERALD_DNS_SERVERS` names DNS servers, which are then asked directly for A and AAAA
 * records (no /etc/hosts, no caching: every new connection asks again). Tests point it at a DNS
 * server on loopback to rebind names at will (`test/helpers/test-dns-server.ts`).
 */

/** Per query: 2 s, twice, so that a dead DNS server fails inside the 5 s connect timeout. */
const resolverTimeoutMs = 2_000;
const resolverTries = 2;
/** Resolver codes that mean "no such name / no such record", as opposed to a resolver failure. */
const noAnswerCodes = new Set(['ENOTFOUND', 'ENODATA']);

type ResolveAll = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

function systemResolve(hostname: string, options: LookupOptions): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/** Which families a lookup asked for (node passes 0, 4, 6 or 'IPv4'/'IPv6'). */
function familiesOf(options: LookupOptions): (4 | 6)[] {
  const family = options.family;
  if (family === 4 || family === 'IPv4') return [4];
  if (family === 6 || family === 'IPv6') return [6];
  return [4, 6];
}

/** A and AAAA straight from the given servers; fails only when neither family has an answer. */
function serversResolve(servers: readonly string[]): ResolveAll {
  const resolver = new dnsPromises.Resolver({ timeout: resolverTimeoutMs, tries: resolverTries });
  resolver.setServers([...servers]);
  const query = async (hostname: string, family: 4 | 6): Promise<LookupAddress[]> => {
    const addresses = family === 4 ? await resolver.resolve4(hostname) : await resolver.resolve6(hostname);
    return addresses.map((address) => ({ address, family }));
  };
  return async (hostname, options) => {
    const settled = await Promise.allSettled(familiesOf(options).map((f) => query(hostname, f)));
    const found = settled.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    if (found.length > 0) return found;
    const errors = settled.map((r) => (r.status === 'rejected' ? (r.reason as NodeJS.ErrnoException) : null));
    throw errors.find((e) => e !== null && !noAnswerCodes.has(e.code ?? '')) ?? notFound(hostname);
  };
}

function notFound(hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  err.code = 'ENOTFOUND';
  err.syscall = 'getaddrinfo';
  return err;
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
  private readonly resolveAll: ResolveAll;

  /** `dnsServers`: `HERALD_DNS_SERVERS` (`127.0.0.1:5353`, `[::1]:53`); empty or null: the system resolver. */
  constructor(readonly allowedNetworks: readonly string[], dnsServers: readonly string[] | null = null) {
    this.resolveAll = dnsServers && dnsServers.length > 0 ? serversResolve(dnsServers) : systemResolve;
  }

  /**
   * Why a connection to this IP address is refused, or null when it is allowed. Not an IP
   * address at all: null (hostnames are checked after resolution, in `lookup`).
   */
  blockReason(address: string): string | null {
    return blockedAddressReason(address, this.allowedNetworks);
  }

  /**
   * A drop-in for `dns.lookup` in socket options: resolves every address, refuses the connection
   * when any of them is blocked (one blocked answer is enough for a rebinding attack to pick it),
   * and hands back the answer in the shape the caller asked for (node's happy-eyeballs connect
   * asks with `all: true`).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolveAll(hostname, options as LookupOptions).then(
      (addresses) => {
        const first = addresses[0];
        if (!first) return callback(notFound(hostname), '');
        for (const { address } of addresses) {
          const reason = this.blockReason(address);
          if (reason !== null) return callback(new BlockedAddressError(`${hostname}: ${reason}`, address), '');
        }
        if ((options as LookupOptions).all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
