import { standardHeaderNames } from '@herald/receiver';
import { secretKeyBytes, type SigningSecret } from '../domain/secrets.js';
import { optionProblems, type OptionCheck } from './options.js';
import { standardSignatureHeader } from './sign.js';
import type { CatalogEventType, PreparedEndpoint, Profile, ProfileAcceptInput } from './profile.js';

/**
 * Standard Webhooks (https://www.standardwebhooks.com/): the body is the stored payload text as
 * given; `webhook-id` is the message id, `webhook-timestamp` the attempt's Unix seconds, and
 * `webhook-signature` carries `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` for every
 * active secret, new first, space-separated. The key is the base64-decoded part after `whsec_`.
 *
 * `profileOptions.headerNames: 'svix'` sends the same values as `svix-id`, `svix-timestamp` and
 * `svix-signature`, for receivers written against Svix's libraries.
 *
 * `paradime-bolt` and `atscale` sign the same way (DESIGN §5): they are built here by
 * `standardWebhooksProfile` with their own name, catalog and extras.
 */
export const standardTimeoutMsDefault = 15_000;

const headerSets = { standard: standardHeaderNames.webhook, svix: standardHeaderNames.svix } as const;
type HeaderNames = keyof typeof headerSets;

const headerNamesCheck: OptionCheck = (value) => (value === 'standard' || value === 'svix' ? null : "must be 'standard' (webhook-*) or 'svix' (svix-*)");

interface DecodedKey {
  bytes: Buffer;
  /** Epoch ms after which this key no longer signs; null for the current key. */
  expiresAtMs: number | null;
}

/** Current key first, then rotated-out keys, the most recently rotated (latest expiry) first. */
function decodeKeys(secrets: readonly SigningSecret[]): DecodedKey[] {
  return secrets
    .map((s) => ({ bytes: secretKeyBytes(s.key), expiresAtMs: s.expiresAt === null ? null : Date.parse(s.expiresAt) }))
    .sort((a, b) => (b.expiresAtMs ?? Infinity) - (a.expiresAtMs ?? Infinity));
}

export interface StandardWebhooksProfileSpec {
  name: string;
  catalog?: readonly CatalogEventType[];
  /** Options beyond `headerNames`. */
  options?: Readonly<Record<string, OptionCheck>>;
  accepts?: (input: ProfileAcceptInput) => boolean;
}

export function standardWebhooksProfile(spec: StandardWebhooksProfileSpec): Profile {
  const checks: Record<string, OptionCheck> = { headerNames: headerNamesCheck, ...spec.options };
  return {
    name: spec.name,
    timeoutMs: standardTimeoutMsDefault,
    retrySchedule: null,
    signatureHeaderNames: [...Object.values(headerSets.standard), ...Object.values(headerSets.svix)],
    catalog: spec.catalog ?? [],
    ...(spec.accepts ? { accepts: spec.accepts } : {}),

    validateOptions: (options) => optionProblems(spec.name, options, checks),

    prepare({ endpoint, secrets }): PreparedEndpoint {
      const names = headerSets[(endpoint.profileOptions.headerNames as HeaderNames | undefined) === 'svix' ? 'svix' : 'standard'];
      const keys = decodeKeys(secrets);
      return {
        body: ({ payload }) => payload,
        signatureHeaders: ({ msgId, body, attemptAt }) => {
          const now = attemptAt.getTime();
          const active: Buffer[] = [];
          for (const key of keys) if (key.expiresAtMs === null || key.expiresAtMs > now) active.push(key.bytes);
          const timestamp = Math.floor(now / 1000);
          const headers: Record<string, string> = { [names.id]: msgId, [names.timestamp]: String(timestamp) };
          if (active.length > 0) headers[names.signature] = standardSignatureHeader(active, msgId, timestamp, body);
          return headers;
        },
      };
    },
  };
}

export const standardProfile = standardWebhooksProfile({ name: 'standard' });
