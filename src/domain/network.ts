import { BlockList, isIP } from 'node:net';

/**
 * The private-network block (DESIGN §7): which target addresses Herald refuses to deliver to.
 * Pure functions, shared by the API (a URL whose host is a literal address is refused at write
 * time) and the dispatcher (every resolved address is checked at connect time, so DNS rebinding
 * cannot dodge the block). Only the CIDRs in `HERALD_ALLOWED_NETWORKS` are exempt.
 */
interface BlockedRange {
  cidr: string;
  reason: string;
}

const blockedV4: BlockedRange[] = [
  { cidr: '0.0.0.0/8', reason: 'unspecified ("this network")' },
  { cidr: '127.0.0.0/8', reason: 'loopback' },
  { cidr: '10.0.0.0/8', reason: 'private (RFC 1918)' },
  { cidr: '172.16.0.0/12', reason: 'private (RFC 1918)' },
  { cidr: '192.168.0.0/16', reason: 'private (RFC 1918)' },
  { cidr: '169.254.0.0/16', reason: 'link-local (cloud metadata lives here)' },
  { cidr: '100.64.0.0/10', reason: 'carrier-grade NAT (RFC 6598)' },
  { cidr: '224.0.0.0/4', reason: 'multicast' },
  { cidr: '240.0.0.0/4', reason: 'reserved / broadcast' },
];

const blockedV6: BlockedRange[] = [
  { cidr: '::/128', reason: 'unspecified' },
  { cidr: '::1/128', reason: 'loopback' },
  { cidr: 'fe80::/10', reason: 'link-local' },
  { cidr: 'fc00::/7', reason: 'unique-local (private)' },
  { cidr: 'ff00::/8', reason: 'multicast' },
  // Deprecated IPv4-compatible addresses (::a.b.c.d): never a legitimate target.
  { cidr: '::/96', reason: 'IPv4-compatible (deprecated)' },
];

/** IPv6 prefixes that carry an IPv4 address in their last 32 bits; the embedded address decides. */
const embeddingPrefixes: { cidr: string; name: string }[] = [
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped' },
  { cidr: '64:ff9b::/96', name: 'NAT64' },
];

function listOf(cidr: string, family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  const [net, bits] = cidr.split('/');
  list.addSubnet(net!, Number(bits), family);
  return list;
}

// Node's BlockList matches IPv4-mapped addresses against IPv4 rules and vice versa, so each
// range gets its own list and is only consulted for addresses of its own family.
const v4Rules = blockedV4.map((r) => ({ ...r, list: listOf(r.cidr, 'ipv4') }));
const v6Rules = blockedV6.map((r) => ({ ...r, list: listOf(r.cidr, 'ipv6') }));
const embeddingRules = embeddingPrefixes.map((r) => ({ ...r, list: listOf(r.cidr, 'ipv6') }));

const allowedCache = new Map<string, { v4: BlockList; v6: BlockList }>();

function allowedLists(cidrs: readonly string[]): { v4: BlockList; v6: BlockList } {
  const key = cidrs.join(',');
  let lists = allowedCache.get(key);
  if (!lists) {
    lists = { v4: new BlockList(), v6: new BlockList() };
    for (const cidr of cidrs) {
      const [net = '', bits] = cidr.split('/');
      const family = isIP(net);
      if (family === 0) continue;
      const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
      if (family === 4) lists.v4.addSubnet(net, prefix, 'ipv4');
      else lists.v6.addSubnet(net, prefix, 'ipv6');
    }
    if (allowedCache.size > 64) allowedCache.clear();
    allowedCache.set(key, lists);
  }
  return lists;
}

/** The 16 bytes of an IPv6 address (`isIP(address) === 6` assumed; a zone id is ignored). */
function ipv6Bytes(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    for (const part of text.slice(lastColon + 1).split('.')) tail.push(Number(part));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(rest);
  const all = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * Why `address` (an IPv4 or IPv6 literal, without brackets) must not be connected to, or null
 * when it may. An address inside one of `allowedCidrs` is always allowed. IPv4-mapped
 * (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) addresses are judged by the IPv4 address
 * they carry, so `[::ffff:127.0.0.1]` is loopback. A string that is not an IP address is null:
 * hostnames are checked once resolved.
 */
export function blockedAddressReason(address: string, allowedCidrs: readonly string[]): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  const allowed = allowedLists(allowedCidrs);
  if (family === 4) {
    if (allowed.v4.check(address, 'ipv4')) return null;
    const rule = v4Rules.find((r) => r.list.check(address, 'ipv4'));
    return rule ? `${address} is a ${rule.reason} address (${rule.cidr})` : null;
  }
  const bare = address.split('%')[0]!;
  if (allowed.v6.check(bare, 'ipv6')) return null;
  const embedding = embeddingRules.find((r) => r.list.check(bare, 'ipv6'));
  if (embedding) {
    const b = ipv6Bytes(bare);
    const v4 = b.slice(12).join('.');
    const inner = blockedAddressReason(v4, allowedCidrs);
    return inner === null ? null : `${address} is ${embedding.name} (${embedding.cidr}) for ${inner}`;
  }
  const rule = v6Rules.find((r) => r.list.check(bare, 'ipv6'));
  return rule ? `${address} is a ${rule.reason} address (${rule.cidr})` : null;
}

/**
 * The block applied to a URL at write time: only a host that is a literal IP address is judged
 * here (the WHATWG parser already turned `http://2130706433/`, `0x7f.1` and octal forms into
 * dotted IPv4, and wraps IPv6 in brackets). Null when allowed or when the host is a name.
 */
export function literalUrlBlockedReason(url: URL, allowedCidrs: readonly string[]): string | null {
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  return blockedAddressReason(host, allowedCidrs);
}
