import { createHmac } from 'node:crypto';
import { hexKey, standardKey } from './keys.js';
import { profileScheme, standardHeaderNames, type ProfileName } from './profiles.js';

/**
 * The signing side of every scheme, used by Herald itself to sign its requests (so that what it
 * sends and what this package accepts cannot drift apart) and by tests that play the sender.
 * Everything goes through node:crypto's HMAC.
 */
export type BodyPart = string | Uint8Array;

/** HMAC-SHA256 over the parts in order, fed one by one (a 1 MiB body is not copied to concatenate it). */
export function hmacSha256(key: Uint8Array, ...parts: readonly BodyPart[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Standard Webhooks `v1`: `v1,` + base64 HMAC-SHA256 of `{msgId}.{timestamp}.{body}` under the decoded key. */
export function standardSignature(key: Uint8Array, msgId: string, timestampSeconds: number | string, body: BodyPart): string {
  return `v1,${hmacSha256(key, `${msgId}.${timestampSeconds}.`, body).toString('base64')}`;
}

/** The hex profiles: hex HMAC-SHA256 of the raw body under the secret string's UTF-8 bytes. */
export function hexSignature(key: Uint8Array, body: BodyPart): string {
  return hmacSha256(key, body).toString('hex');
}

export interface SignInput {
  profile?: ProfileName;
  secret: string;
  body: string;
  /** Standard profiles: the message id (`webhook-id`). */
  msgId?: string;
  /** Standard profiles: Unix seconds; default now. */
  timestamp?: number;
  /** Standard profiles: `svix` sends `svix-*` header names. */
  headerNames?: 'webhook' | 'svix';
}

/** The headers Herald would send for `body`: for tests of a receiver, and for `herald verify` examples. */
export function signHeaders(input: SignInput): Record<string, string> {
  const scheme = profileScheme(input.profile ?? 'standard');
  if (scheme.kind === 'hex') return { [scheme.header]: hexSignature(hexKey(input.secret), input.body) };
  const names = standardHeaderNames[input.headerNames ?? 'webhook'];
  const msgId = input.msgId ?? 'msg_test';
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    [names.id]: msgId,
    [names.timestamp]: String(timestamp),
    [names.signature]: standardSignature(standardKey(input.secret), msgId, timestamp, input.body),
  };
}
