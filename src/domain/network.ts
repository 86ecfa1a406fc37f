import { BlockList, isIP } from 'node:net';

/**
 * The private-network block (DESIGN §7): which target addresses Herald refuses to deliver to, and
 * the reason it gives. Webhook URLs are chosen by tenants, so without it any tenant could make
 * Herald POST to its own loopback, the LAN or a cloud metadata service.
 *
 * Pure functions, shared by the API (a URL whose host is a literal address is refused at write
 * time) and the dispatcher's guard (every resolved address is checked at connect time, so DNS
 * rebinding cannot dodge the block). Only the networks in `HERALD_ALLOWED_NETWORKS` are exempt.
 */
interface BlockedRange {
  cidr: string;
  label: string;
}

const blockedV4: readonly BlockedRange[] = [
  { cidr: '0.0.0.0/8', label: 'unspecified ("this network")' },
  { cidr: '10.0.0.0/8', label: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', label: 'carrier-grade NAT (RFC 6598)' },
  { cidr: '127.0.0.0/8', label: 'loopback' },
  { cidr: '169.254.0.0/16', label: 'link-local (incl. cloud metadata 169.254.169.254)' },
  { cidr: '172.16.0.0/12', label: 'private (RFC 1918)' },
  { cidr: '192.168.0.0/16', label: 'private (RFC 1918)' },
  { cidr: '224.0.0.0/4', label: 'multicast' },
  { cidr: '240.0.0.0/4', label: 'reserved (incl. broadcast)' },
];

/** First match wins, so `::` and `::1` are named before the `::/96` that holds them. */
const blockedV6: readonly BlockedRange[] = [
  { cidr: '::/128', label: 'unspecified' },
  { cidr: '::1/128', label: 'loopback' },
  // ::a.b.c.d, deprecated by RFC 4291; nothing legitimate uses it.
  { cidr: '::/96', label: 'IPv4-compatible IPv6 (deprecated)' },
  // Translated by a site's own NAT64 (RFC 8215), so it can reach anything that NAT64 reaches.
  { cidr: '64:ff9b:1::/48', label: 'local-use NAT64 (RFC 8215)' },
  { cidr: 'fc00::/7', label: 'unique-local' },
  { cidr: 'fe80::/10', label: 'link-local' },
  { cidr: 'ff00::/8', label: 'multicast' },
];

/**
 * IPv6 prefixes whose last 32 bits are an IPv4 address that the packet really goes to: the IPv4
 * address decides, so `::ffff:127.0.0.1` is loopback and `64:ff9b::8.8.8.8` (RFC 6052 NAT64) is
 * as public as 8.8.8.8.
 */
const embeddingV6: readonly { cidr: string; name: string }[] = [
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped' },
  { cidr: '64:ff9b::/96', name: 'NAT64' },
];

type Family = 'ipv4' | 'ipv6';

function familyOf(address: string): Family | null {
  const family = isIP(address);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : null;
}

function addTo(list: BlockList, cidr: string): Family {
  const [address = '', bits] = cidr.split('/');
  const family = familyOf(address);
  if (family === null) throw new Error(`"${cidr}" is not a CIDR`);
  if (bits === undefined) list.addAddress(address, family);
  else list.addSubnet(address, Number(bits), family);
  return family;
}

// Node's BlockList matches an IPv4-mapped address against IPv4 rules and an IPv4 address against
// an IPv6 rule for `::ffff:0:0/96`, so every range gets a list of its own that is consulted only
// for addresses of its own family; embedded IPv4 addresses are judged explicitly instead.
const withList = <T extends { cidr: string }>(range: T) => {
  const list = new BlockList();
  addTo(list, range.cidr);
  return { ...range, list };
};
const v4Rules = blockedV4.map(withList);
const v6Rules = blockedV6.map(withList);
const embeddingRules = embeddingV6.map(withList);

interface Exemptions {
  v4: BlockList;
  v6: BlockList;
}

// Callers pass the same frozen config array every time; a fresh array is compiled once and dropped.
const exemptionsCache = new WeakMap<readonly string[], Exemptions>();

/** `HERALD_ALLOWED_NETWORKS` entries (`10.0.0.0/8`, `::1/128`, or a bare address), one list per family. */
function exemptionsOf(allowedNetworks: readonly string[]): Exemptions {
  let exemptions = exemptionsCache.get(allowedNetworks);
  if (!exemptions) {
    const v4 = new BlockList();
    const v6 = new BlockList();
    for (const cidr of allowedNetworks) {
      const [address = ''] = cidr.split('/');
      addTo(familyOf(address) === 'ipv4' ? v4 : v6, cidr);
    }
    exemptions = { v4, v6 };
    exemptionsCache.set(allowedNetworks, exemptions);
  }
  return exemptions;
}

/**
 * The IPv4 address in the last 32 bits of an IPv6 address. Enough for the two /96 prefixes of
 * `embeddingV6`: their last two groups are either a dotted quad or the last two colon-separated
 * fields, an empty field standing for zeros compressed by `::`.
 */
function embeddedV4(ipv6: string): string {
  const lastColon = ipv6.lastIndexOf(':');
  if (ipv6.includes('.', lastColon)) return ipv6.slice(lastColon + 1);
  const groups = ipv6.split(':');
  const hi = parseInt(groups[groups.length - 2] || '0', 16);
  const lo = parseInt(groups[groups.length - 1] || '0', 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

const guardPrefix = 'blocked by the private-network guard: ';
const exemptHint = '; exempt it with HERALD_ALLOWED_NETWORKS';

/** Why an IPv4 address is blocked (`<address> is in <cidr>, <label>`), or null. */
function v4Reason(address: string, exemptions: Exemptions): string | null {
  if (exemptions.v4.check(address, 'ipv4')) return null;
  const rule = v4Rules.find((r) => r.list.check(address, 'ipv4'));
  return rule ? `is in ${rule.cidr}, ${rule.label}` : null;
}

function v6Reason(address: string, exemptions: Exemptions): string | null {
  const bare = address.split('%')[0]!;
  if (exemptions.v6.check(bare, 'ipv6')) return null;
  const embedding = embeddingRules.find((r) => r.list.check(bare, 'ipv6'));
  if (embedding) {
    const v4 = embeddedV4(bare);
    const reason = v4Reason(v4, exemptions);
    return reason === null ? null : `(${embedding.name}) carries ${v4}, which ${reason}`;
  }
  const rule = v6Rules.find((r) => r.list.check(bare, 'ipv6'));
  return rule ? `is in ${rule.cidr}, ${rule.label}` : null;
}

/**
 * Why a connection to `address` (an IPv4 or IPv6 literal, without brackets; a zone id is ignored)
 * is refused, or null when it is allowed. The reason starts "blocked by the private-network
 * guard: <address>", names the range and says how to exempt it. An address inside one of
 * `allowedNetworks` is allowed; an IPv4-mapped or NAT64 address is judged, and exempted, by the
 * IPv4 address it carries. A string that is not an IP address is null: hostnames are checked
 * once resolved. `allowedNetworks` must be valid CIDRs (`loadConfig` checks them); an invalid
 * one throws.
 */
export function blockedAddressReason(address: string, allowedNetworks: readonly string[]): string | null {
  const family = familyOf(address);
  if (family === null) return null;
  const exemptions = exemptionsOf(allowedNetworks);
  let reason: string | null;
  try {
    reason = family === 'ipv4' ? v4Reason(address, exemptions) : v6Reason(address, exemptions);
  } catch {
    // Fail closed: an address BlockList cannot read is not one to connect to.
    return `${guardPrefix}${address} could not be checked`;
  }
  return reason === null ? null : `${guardPrefix}${address} ${reason}${exemptHint}`;
}

/**
 * The block applied to a URL at write time: only a host that is a literal IP address is judged
 * here (the WHATWG parser already turned `http://2130706433/`, `0x7f.1` and octal forms into
 * dotted IPv4, and IPv6 into its compressed hex form in brackets). Null when allowed or when the
 * host is a name, which is checked when connecting.
 */
export function literalUrlBlockedReason(url: URL, allowedNetworks: readonly string[]): string | null {
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  return blockedAddressReason(host, allowedNetworks);
}
