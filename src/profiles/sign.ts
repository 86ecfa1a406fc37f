import { hexKey, hexSignature, hmacSha256, standardSignature, type BodyPart } from '@herald/receiver';
import type { SigningSecret } from '../domain/secrets.js';

/**
 * HMAC helpers shared by the profiles. The schemes themselves (what is signed, how the key is
 * read, how the signature is written) live in the receiver SDK, `packages/receiver`, and Herald
 * signs with them: what Herald sends and what the SDK verifies cannot drift apart, and the SDK
 * stays a package of its own with no dependency on the server. All MACs go through node:crypto.
 *
 * The payload can be up to `HERALD_MAX_PAYLOAD_BYTES` (1 MiB by default), so signed content made
 * of several parts is fed to the HMAC part by part instead of being concatenated into a second
 * copy of the body for every attempt.
 */
export { hmacSha256, standardSignature };

export function hmacSha256Hex(key: Uint8Array, ...parts: readonly BodyPart[]): string {
  return hmacSha256(key, ...parts).toString('hex');
}

/**
 * The `webhook-signature` header value: one signature per key, space-separated, in the order
 * given (during a rotation the new key comes first, so receivers that only try the first one
 * move over at once).
 */
export function standardSignatureHeader(keys: readonly Uint8Array[], msgId: string, timestampSeconds: number, body: string): string {
  return keys.map((key) => standardSignature(key, msgId, timestampSeconds, body)).join(' ');
}

/**
 * The signer of the hex profiles (Paradym, dbt Cloud): `headerName` holds the hex HMAC-SHA256 of
 * the raw body, keyed with the UTF-8 bytes of the endpoint secret string exactly as the API
 * shows it (`whsec_…`, DESIGN §5), since that string is what their receivers paste into their
 * code as "the secret".
 *
 * Only the current secret signs. Those products' receivers compare the header with one computed
 * value (`computedHmac !== hmac` in Paradym's snippet), so a second, space-separated signature
 * during a rotation would fail every receiver instead of helping the ones not yet updated.
 */
export function hexSignatureHeaders(headerName: string, secrets: readonly SigningSecret[]): (body: string) => Record<string, string> {
  const current = secrets.find((s) => s.expiresAt === null) ?? secrets[0];
  if (!current) return () => ({});
  const key = hexKey(current.key);
  // Lower-cased like every header Herald writes, so that it replaces a custom header of the same
  // name in the dispatcher's merge instead of being sent beside it.
  const name = headerName.toLowerCase();
  return (body) => ({ [name]: hexSignature(key, body) });
}
