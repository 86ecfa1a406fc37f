import type { ValidationItem } from '../domain/errors.js';
import { secretKeyBytes, type SigningSecret } from '../domain/secrets.js';
import { standardSignatureHeader } from './sign.js';
import type { PreparedEndpoint, Profile } from './profile.js';

/**
 * Standard Webhooks (https://www.standardwebhooks.com/): the body is the stored payload text as
 * given; `webhook-id` is the message id, `webhook-timestamp` the attempt's Unix seconds, and
 * `webhook-signature` carries `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` for every
 * active secret, new first, space-separated. The key is the base64-decoded part after `whsec_`.
 *
 * `profileOptions.headerNames: 'svix'` sends the same values as `svix-id`, `svix-timestamp` and
 * `svix-signature`, for receivers written against Svix's libraries.
 */
export const standardTimeoutMsDefault = 15_000;

const headerSets = {
  standard: { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  svix: { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
} as const;
type HeaderNames = keyof typeof headerSets;

const optionKeys = new Set(['headerNames']);

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

export const standardProfile: Profile = {
  name: 'standard',
  timeoutMs: standardTimeoutMsDefault,
  retrySchedule: null,
  signatureHeaderNames: [...Object.values(headerSets.standard), ...Object.values(headerSets.svix)],

  validateOptions(options) {
    const items: ValidationItem[] = [];
    for (const key of Object.keys(options)) {
      if (!optionKeys.has(key)) {
        items.push({ loc: ['body', 'profileOptions', key], msg: `unknown option for the standard profile; known: ${[...optionKeys].join(', ')}`, type: 'value_error' });
      }
    }
    const names = options.headerNames;
    if (names !== undefined && names !== 'standard' && names !== 'svix') {
      items.push({ loc: ['body', 'profileOptions', 'headerNames'], msg: "must be 'standard' (webhook-*) or 'svix' (svix-*)", type: 'value_error' });
    }
    return items;
  },

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
