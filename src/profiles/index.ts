import type { Profile } from './profile.js';
import { standardProfile } from './standard.js';

export type { PreparedEndpoint, Profile, ProfileBodyInput, ProfileSignInput } from './profile.js';

/**
 * The profile registry. One entry per product (DESIGN.md §5); `paradym`, `dbt-cloud`,
 * `paradime-bolt` and `atscale` join this map as they are built.
 */
export const profileNameDefault = 'standard';

const profiles = new Map<string, Profile>([[standardProfile.name, standardProfile]]);

/** The profile called `name`, or undefined when Herald has none by that name. */
export function getProfile(name: string): Profile | undefined {
  return profiles.get(name);
}

export function profileNames(): string[] {
  return [...profiles.keys()];
}

/**
 * Header names an endpoint may not set as custom headers: those Herald or undici write
 * themselves, hop-by-hop headers, and every profile's signature headers (an endpoint can switch
 * profile later, so the union of all of them is reserved).
 */
const fixedReservedHeaders = ['content-type', 'content-length', 'host', 'user-agent', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection'];

export const reservedHeaderNames: ReadonlySet<string> = new Set([
  ...fixedReservedHeaders,
  ...[...profiles.values()].flatMap((p) => p.signatureHeaderNames.map((n) => n.toLowerCase())),
]);

export function isReservedHeaderName(name: string): boolean {
  return reservedHeaderNames.has(name.toLowerCase());
}
