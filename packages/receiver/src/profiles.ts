import { WebhookVerificationError } from './errors.js';

/**
 * The signature scheme of each Herald profile. `paradime-bolt` and `atscale` sign with Standard
 * Webhooks; `paradym` and `dbt-cloud` put a hex HMAC of the body in one header.
 */
export type ProfileName = 'standard' | 'paradime-bolt' | 'atscale' | 'paradym' | 'dbt-cloud';

export type Scheme = { kind: 'standard' } | { kind: 'hex'; header: string };

/** Standard Webhooks header names, and the `svix-*` names Herald sends with `headerNames: "svix"`. */
export const standardHeaderNames = {
  webhook: { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  svix: { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
} as const;

/** Header names as the products document them; HTTP header names are case-insensitive. */
export const paradymSignatureHeader = 'X-Paradym-HMAC-SHA-256';
export const dbtCloudSignatureHeader = 'Authorization';

const standard: Scheme = { kind: 'standard' };
const schemes: Readonly<Record<ProfileName, Scheme>> = {
  standard,
  'paradime-bolt': standard,
  atscale: standard,
  paradym: { kind: 'hex', header: paradymSignatureHeader.toLowerCase() },
  'dbt-cloud': { kind: 'hex', header: dbtCloudSignatureHeader.toLowerCase() },
};

export const profileNames = Object.keys(schemes) as ProfileName[];

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(schemes, name);
}

export function profileScheme(name: string): Scheme {
  if (!isProfileName(name)) throw new WebhookVerificationError('unknown_profile', `unknown profile "${name}"; known: ${profileNames.join(', ')}`, 500);
  return schemes[name];
}
