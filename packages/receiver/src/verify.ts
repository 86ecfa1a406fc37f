import { timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import { diagnoseMismatch, type Check, type KeyReading } from './diagnose.js';
import { InvalidHeaderError, InvalidSecretError, MissingHeaderError, TimestampError, WebhookVerificationError } from './errors.js';
import { headerGetter, type HeaderGetter, type HeaderSource } from './headers.js';
import { ed25519PublicKey, hexKey, publicKeyPrefix, standardKey } from './keys.js';
import { profileScheme, standardHeaderNames, type ProfileName } from './profiles.js';
import { hmacSha256 } from './sign.js';

export interface VerifyOptions {
  /** Herald profile of the endpoint; default `standard`. */
  profile?: ProfileName | (string & {});
  /**
   * The endpoint's secret as Herald shows it (`whsec_…`), or several (during a rotation, keep the
   * old one beside the new one). Standard profiles also take a `whpk_` Ed25519 public key, which
   * checks `v1a` signatures.
   */
  secret: string | readonly string[];
  headers: HeaderSource;
  /** The body exactly as received: bytes, or the text decoded as UTF-8. Never a re-serialised object. */
  rawBody: string | Uint8Array;
  /**
   * Standard profiles: how far (seconds) `webhook-timestamp` may be from now, either way;
   * default 300. `Infinity` turns the check off (replays are then accepted). The hex profiles
   * carry no signed timestamp, so it does not apply to them.
   */
  tolerance?: number;
  /** The time to check the timestamp against; default the current time. */
  now?: Date | number;
}

export interface VerifiedWebhook {
  profile: ProfileName;
  /** `webhook-id` / `svix-id` (the message id; de-duplicate on it); null for the hex profiles. */
  id: string | null;
  /** The signed `webhook-timestamp`; null for the hex profiles. */
  timestamp: Date | null;
  /** Which Standard Webhooks header names the request used; null for the hex profiles. */
  headerNames: 'webhook' | 'svix' | null;
  /** The verified body as text. */
  rawBody: string;
  /** The verified body parsed as JSON. */
  payload: unknown;
}

export const toleranceSecondsDefault = 300;

/**
 * Verifies one request. Returns what was verified, or throws a `WebhookVerificationError`
 * subclass that says exactly what is wrong. Every signature comparison is constant-time.
 */
export function verify(options: VerifyOptions): VerifiedWebhook {
  const profile = (options.profile ?? 'standard') as ProfileName;
  const scheme = profileScheme(profile);
  const secrets = secretList(options.secret);
  const body = typeof options.rawBody === 'string' ? Buffer.from(options.rawBody, 'utf8') : Buffer.from(options.rawBody.buffer, options.rawBody.byteOffset, options.rawBody.byteLength);
  const get = headerGetter(options.headers);
  const meta = scheme.kind === 'hex' ? verifyHex(scheme.header, secrets, body, get) : verifyStandard(secrets, body, get, options);
  const rawBody = body.toString('utf8');
  return { profile, ...meta, rawBody, payload: parseBody(rawBody) };
}

function secretList(secret: string | readonly string[]): string[] {
  const list = typeof secret === 'string' ? [secret] : [...secret];
  if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.trim() === '')) throw new InvalidSecretError('no secret given (pass the endpoint secret, whsec_…)');
  return list.map((s) => s.trim());
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('invalid_body', 'the signature is valid, but the body is not JSON', 400);
  }
}

/** 32-byte MACs compared in constant time; anything of another length cannot match. */
function sameMac(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// --- the hex profiles (Paradym, dbt Cloud) --------------------------------------------------------

const hexMac = /^[0-9a-fA-F]{64}$/;

function verifyHex(header: string, secrets: string[], body: Buffer, get: HeaderGetter): Pick<VerifiedWebhook, 'id' | 'timestamp' | 'headerNames'> {
  const value = get(header)?.trim();
  if (value === undefined) throw new MissingHeaderError([header], otherSchemeHint(get, 'hex'));
  if (!hexMac.test(value)) throw new InvalidHeaderError(header, `expected the 64 hex digits of an HMAC-SHA256, got ${quote(value)}`);
  const given = Buffer.from(value, 'hex');
  const readKey = (reading: KeyReading) => (reading === 'own' ? hexKey : standardKeyOrNull);
  const check: Check = (candidate, reading) => secrets.some((s) => {
    const key = readKey(reading)(s);
    return key !== null && sameMac(hmacSha256(key, candidate), given);
  });
  if (!check(body, 'own')) {
    throw diagnoseMismatch({ check, body, header, signatureCount: 1, secretCount: secrets.length, otherReading: 'the base64 after whsec_, decoded (Standard Webhooks); these profiles use the secret string as is' });
  }
  return { id: null, timestamp: null, headerNames: null };
}

function standardKeyOrNull(secret: string): Buffer | null {
  try {
    return standardKey(secret);
  } catch {
    return null;
  }
}

// --- Standard Webhooks (standard, paradime-bolt, atscale) ----------------------------------------

interface SignatureEntry {
  version: string;
  value: Buffer;
}

function verifyStandard(secrets: string[], body: Buffer, get: HeaderGetter, options: VerifyOptions): Pick<VerifiedWebhook, 'id' | 'timestamp' | 'headerNames'> {
  const headerNames = get(standardHeaderNames.webhook.signature) !== undefined || get(standardHeaderNames.webhook.id) !== undefined ? 'webhook' : 'svix';
  const names = standardHeaderNames[headerNames];
  const required = (key: 'id' | 'timestamp' | 'signature'): string => {
    const value = get(names[key]);
    if (value === undefined) throw new MissingHeaderError(headerNames === 'svix' && get(names.signature) === undefined ? [standardHeaderNames.webhook[key], names[key]] : [names[key]], otherSchemeHint(get, 'standard'));
    return value;
  };
  const id = required('id');
  const timestampText = required('timestamp').trim();
  const entries = parseSignatures(names.signature, required('signature'));
  if (!/^\d{1,12}$/.test(timestampText)) throw new InvalidHeaderError(names.timestamp, `expected Unix seconds, got ${quote(timestampText)}`);
  const timestamp = Number(timestampText);
  const prefix = Buffer.from(`${id}.${timestamp}.`, 'utf8');
  const publicKeys = secrets.filter((s) => s.startsWith(publicKeyPrefix)).map(ed25519PublicKey);
  const hmacSecrets = secrets.filter((s) => !s.startsWith(publicKeyPrefix));
  const own = hmacSecrets.map(standardKey);
  const check: Check = (candidate, reading) =>
    matchesV1(entries, reading === 'own' ? own : hmacSecrets.map(hexKey), prefix, candidate) || (reading === 'own' && matchesV1a(entries, publicKeys, prefix, candidate));
  if (!check(body, 'own')) {
    throw diagnoseMismatch({ check, body, header: names.signature, signatureCount: entries.length, secretCount: secrets.length, otherReading: "the secret string's UTF-8 bytes (as the paradym and dbt-cloud profiles use it)" });
  }
  checkTimestamp(timestamp, options);
  return { id, timestamp: new Date(timestamp * 1000), headerNames };
}

/** `v1,<base64> v1a,<base64> …`; entries of other versions are ignored, as the spec says. */
function parseSignatures(header: string, value: string): SignatureEntry[] {
  const entries: SignatureEntry[] = [];
  for (const item of value.trim().split(/\s+/)) {
    const comma = item.indexOf(',');
    const version = item.slice(0, comma);
    if (comma > 0 && (version === 'v1' || version === 'v1a')) entries.push({ version, value: Buffer.from(item.slice(comma + 1), 'base64') });
  }
  if (entries.length === 0) throw new InvalidHeaderError(header, `no "v1,<base64>" (or "v1a,<base64>") signature in ${quote(value)}`);
  return entries;
}

function matchesV1(entries: SignatureEntry[], keys: Buffer[], prefix: Buffer, body: Buffer): boolean {
  const v1 = entries.filter((e) => e.version === 'v1');
  if (v1.length === 0) return false;
  return keys.some((key) => {
    const expected = hmacSha256(key, prefix, body);
    return v1.some((e) => sameMac(expected, e.value));
  });
}

function matchesV1a(entries: SignatureEntry[], keys: KeyObject[], prefix: Buffer, body: Buffer): boolean {
  const v1a = entries.filter((e) => e.version === 'v1a');
  if (v1a.length === 0 || keys.length === 0) return false;
  const signed = Buffer.concat([prefix, body]);
  return keys.some((key) => v1a.some((e) => verifySignature(null, signed, key, e.value)));
}

function checkTimestamp(timestamp: number, options: VerifyOptions): void {
  const tolerance = options.tolerance ?? toleranceSecondsDefault;
  if (tolerance === Infinity) return;
  const nowMs = options.now === undefined ? Date.now() : typeof options.now === 'number' ? options.now : options.now.getTime();
  const age = Math.floor(nowMs / 1000) - timestamp;
  if (Math.abs(age) > tolerance) throw new TimestampError(age > 0 ? 'stale_timestamp' : 'future_timestamp', new Date(timestamp * 1000), age, tolerance);
}

// --- messages -------------------------------------------------------------------------------------

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/** When the headers of the other family are there, say which profile the request looks like. */
function otherSchemeHint(get: HeaderGetter, scheme: 'standard' | 'hex'): string {
  if (scheme === 'standard') {
    if (get('x-paradym-hmac-sha-256') !== undefined) return '; the request carries X-Paradym-HMAC-SHA-256: verify it with profile "paradym"';
    if (get('authorization') !== undefined && get('webhook-signature') === undefined) return '; the request carries Authorization: if it is a dbt Cloud webhook, verify it with profile "dbt-cloud"';
    return '';
  }
  const std = get('webhook-signature') !== undefined ? 'webhook-signature' : get('svix-signature') !== undefined ? 'svix-signature' : null;
  return std ? `; the request carries ${std}: verify it with profile "standard" (or paradime-bolt, atscale)` : '';
}
