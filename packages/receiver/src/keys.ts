import { createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidSecretError } from './errors.js';

/**
 * How each scheme reads the secret string an endpoint was given (`whsec_…`):
 * - Standard Webhooks (`v1`): the HMAC key is the base64 text after `whsec_`, decoded;
 * - Standard Webhooks (`v1a`): a `whpk_` secret is the base64 of a raw 32-byte Ed25519 public key;
 * - the hex profiles (Paradym, dbt Cloud): the HMAC key is the UTF-8 bytes of the secret string
 *   exactly as given, prefix and all, as those products' receivers paste it in.
 */
export const secretPrefix = 'whsec_';
export const publicKeyPrefix = 'whpk_';

const base64Text = /^[A-Za-z0-9+/]+={0,2}$/;

/** The HMAC key of a Standard Webhooks secret (`whsec_` + base64, or the bare base64). */
export function standardKey(secret: string): Buffer {
  const text = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
  if (!base64Text.test(text)) throw new InvalidSecretError(`a Standard Webhooks secret is "whsec_" followed by base64; got ${describeSecret(secret)}`);
  return Buffer.from(text, 'base64');
}

/** The HMAC key of a hex-profile secret: its UTF-8 bytes, as given. */
export function hexKey(secret: string): Buffer {
  if (secret === '') throw new InvalidSecretError('the secret is empty');
  return Buffer.from(secret, 'utf8');
}

/** The Ed25519 public key of a `whpk_` secret (Standard Webhooks `v1a`). */
export function ed25519PublicKey(secret: string): KeyObject {
  const raw = Buffer.from(secret.slice(publicKeyPrefix.length), 'base64');
  if (raw.length !== 32) throw new InvalidSecretError(`a ${publicKeyPrefix} key is base64 of a 32-byte Ed25519 public key; this one has ${raw.length} bytes`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** A secret for error messages: its shape, never its value. */
export function describeSecret(secret: string): string {
  const prefix = /^[a-z0-9]+_/.exec(secret)?.[0] ?? '';
  return `a ${secret.length}-character string${prefix ? ` starting "${prefix}"` : ''}`;
}
