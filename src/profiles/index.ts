import { atscaleProfile } from './atscale.js';
import { dbtCloudProfile } from './dbt-cloud.js';
import { paradimeBoltProfile } from './paradime-bolt.js';
import { paradymProfile } from './paradym.js';
import type { Profile } from './profile.js';
import { standardProfile } from './standard.js';

export type { CatalogEventType, PreparedEndpoint, Profile, ProfileAcceptInput, ProfileBodyInput, ProfileSignInput } from './profile.js';

/** The profile registry: one entry per product (DESIGN.md §5). */
export const profileNameDefault = 'standard';

const profiles = new Map<string, Profile>([standardProfile, paradymProfile, dbtCloudProfile, paradimeBoltProfile, atscaleProfile].map((p) => [p.name, p]));

/** The profile called `name`, or undefined when Herald has none by that name. */
export function getProfile(name: string): Profile | undefined {
  return profiles.get(name);
}

export function profileNames(): string[] {
  return [...profiles.keys()];
}

/**
 * Header names no endpoint may set as custom headers: those Herald or undici write themselves
 * and hop-by-hop headers.
 */
export const fixedReservedHeaderNames: readonly string[] = ['content-type', 'content-length', 'host', 'user-agent', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection'];

const lower = (names: readonly string[]) => names.map((n) => n.toLowerCase());
const reservedByProfile = new Map<string, ReadonlySet<string>>(
  [...profiles.values()].map((p) => [p.name, new Set([...fixedReservedHeaderNames, ...lower(p.signatureHeaderNames)])]),
);
/** For an endpoint whose stored profile this Herald does not know: every profile's names. */
const reservedByAnyProfile: ReadonlySet<string> = new Set([...fixedReservedHeaderNames, ...[...profiles.values()].flatMap((p) => lower(p.signatureHeaderNames))]);

/**
 * The header names an endpoint of `profile` may not set: the fixed ones plus that profile's
 * signature headers. Per profile, because one product's signature header is another's ordinary
 * header: a dbt Cloud endpoint may not set `Authorization` (Herald writes the signature there),
 * a standard endpoint may (bearer tokens for the receiver).
 */
export function reservedHeaderNamesOf(profile: string): ReadonlySet<string> {
  return reservedByProfile.get(profile) ?? reservedByAnyProfile;
}

export function isReservedHeaderName(name: string, profile: string = profileNameDefault): boolean {
  return reservedHeaderNamesOf(profile).has(name.toLowerCase());
}
