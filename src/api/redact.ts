import type { Caller } from './context.js';
import { isSensitiveHeaderName } from './routes/endpoint/headers.js';

export const redacted = '[redacted]';

/**
 * Headers Herald itself writes on every request and that carry no credential: the only values a
 * portal caller sees in an attempt's recorded request. (The signature headers are HMACs, not the
 * secret; the `dbt-cloud` profile's HMAC travels in `Authorization`, which stays withheld.)
 */
const heraldHeaderNames = new Set([
  'content-type',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'svix-id',
  'svix-timestamp',
  'svix-signature',
  'x-paradym-hmac-sha-256',
]);

/**
 * The request headers of an attempt as a caller may see them. Attempts record every header sent,
 * the endpoint's custom headers included, which often carry the receiver's credentials
 * (`Authorization: Bearer …`, an API key). So:
 * - everyone: values of sensitive names (`Authorization`, `Cookie`, `X-API-Key`…, as `GET …/headers`
 *   withholds them from the admin token too) read `[redacted]`;
 * - an app-portal caller (token or portal session): every value except Herald's own headers reads
 *   `[redacted]`, since any custom header may be a credential the tenant should not see.
 * Names stay visible, so the request's shape can still be checked. The stored rows keep the values
 * (as the endpoint row does); only what the API answers is redacted.
 */
export function visibleRequestHeaders(headers: Record<string, string> | null, caller: Caller): Record<string, string> | null {
  if (headers === null) return null;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const hidden = isSensitiveHeaderName(name) || (caller.kind === 'app' && !heraldHeaderNames.has(name.toLowerCase()));
    out[name] = hidden ? redacted : value;
  }
  return out;
}
