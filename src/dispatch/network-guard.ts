import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
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
 */

/** Thrown through undici when a connection is refused by the guard; the message is the reason. */
export class BlockedAddressError extends Error {
  readonly code = 'HERALD_BLOCKED_ADDRESS';
  constructor(message: string, readonly address: string) {
    super(message);
    this.name = 'BlockedAddressError';
  }
}

export class NetworkGuard {
  constructor(readonly allowedNetworks: readonly string[]) {}

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
