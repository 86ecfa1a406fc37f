import { generateKeyPairSync, randomBytes, sign as ed25519Sign } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  InvalidHeaderError,
  MissingHeaderError,
  SignatureMismatchError,
  TimestampError,
  WebhookVerificationError,
  hexSignature,
  signHeaders,
  standardKey,
  standardSignature,
  verify,
  type VerifyOptions,
} from '../src/index.js';
import { specVector as vector } from './spec-vector.js';

const vectorHeaders = { 'webhook-id': vector.msgId, 'webhook-timestamp': String(vector.timestamp), 'webhook-signature': vector.signature };
const atVector = { now: vector.timestamp * 1000 };

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function failure(options: VerifyOptions): WebhookVerificationError {
  try {
    verify(options);
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err;
    throw err;
  }
  throw new Error('expected verification to fail');
}

describe('standard: agreement with the spec and the standardwebhooks package', () => {
  it('verifies the specification test vector and signs it identically', () => {
    const result = verify({ secret: vector.secret, headers: vectorHeaders, rawBody: vector.payload, ...atVector });
    expect(result).toMatchObject({ profile: 'standard', id: vector.msgId, headerNames: 'webhook', payload: { test: 2432232314 } });
    expect(result.timestamp?.getTime()).toBe(vector.timestamp * 1000);
    expect(standardSignature(standardKey(vector.secret), vector.msgId, vector.timestamp, vector.payload)).toBe(vector.signature);
  });

  it('rejects the vector with one changed byte, as the spec requires', () => {
    expect(failure({ secret: vector.secret, headers: vectorHeaders, rawBody: vector.payload.replace('2', '3'), ...atVector })).toBeInstanceOf(SignatureMismatchError);
  });

  it('agrees with standardwebhooks both ways on random bodies and secrets', () => {
    for (let i = 0; i < 25; i++) {
      const secret = newSecret();
      const body = JSON.stringify({ i, text: randomBytes(i * 7).toString('base64'), unicode: 'wörld ✓ 😀' });
      const ts = new Date();
      const theirs = new Webhook(secret).sign(`msg_${i}`, ts, body);
      const theirHeaders = { 'webhook-id': `msg_${i}`, 'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)), 'webhook-signature': theirs };
      expect(verify({ secret, headers: theirHeaders, rawBody: body }).payload).toEqual(JSON.parse(body));
      const ours = signHeaders({ secret, body, msgId: `msg_${i}` });
      expect(new Webhook(secret).verify(body, ours)).toEqual(JSON.parse(body));
    }
  });

  it('accepts svix-* header names, bytes as well as text, and header names in any case', () => {
    const secret = newSecret();
    const body = '{"a":1}';
    const headers = signHeaders({ secret, body, msgId: 'msg_svix', headerNames: 'svix' });
    expect(Object.keys(headers)).toEqual(['svix-id', 'svix-timestamp', 'svix-signature']);
    expect(verify({ secret, headers, rawBody: Buffer.from(body) }).headerNames).toBe('svix');
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verify({ secret, headers: new Headers(upper), rawBody: new TextEncoder().encode(body) }).id).toBe('msg_svix');
  });

  it('accepts any matching entry of several, and any of several secrets (rotation)', () => {
    const [oldSecret, freshSecret] = [newSecret(), newSecret()];
    const body = '{"rotated":true}';
    const ts = nowSeconds();
    const both = `${standardSignature(standardKey(freshSecret), 'msg_r', ts, body)} ${standardSignature(standardKey(oldSecret), 'msg_r', ts, body)}`;
    const headers = { 'webhook-id': 'msg_r', 'webhook-timestamp': String(ts), 'webhook-signature': `v2,ignored ${both}` };
    expect(verify({ secret: oldSecret, headers, rawBody: body }).id).toBe('msg_r');
    expect(verify({ secret: freshSecret, headers, rawBody: body }).id).toBe('msg_r');
    const onlyOld = { ...headers, 'webhook-signature': standardSignature(standardKey(oldSecret), 'msg_r', ts, body) };
    expect(verify({ secret: [freshSecret, oldSecret], headers: onlyOld, rawBody: body }).id).toBe('msg_r');
  });

  it('checks v1a (Ed25519) signatures with a whpk_ public key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const body = '{"asymmetric":true}';
    const ts = nowSeconds();
    const sig = ed25519Sign(null, Buffer.from(`msg_a.${ts}.${body}`), privateKey).toString('base64');
    const headers = { 'webhook-id': 'msg_a', 'webhook-timestamp': String(ts), 'webhook-signature': `v1,bm90IHRoaXM= v1a,${sig}` };
    expect(verify({ secret: `whpk_${raw.toString('base64')}`, headers, rawBody: body }).payload).toEqual({ asymmetric: true });
    expect(failure({ secret: `whpk_${raw.toString('base64')}`, headers, rawBody: body.replace('true', 'false') })).toBeInstanceOf(SignatureMismatchError);
  });
});

describe('standard: what is wrong', () => {
  const secret = newSecret();
  const body = '{"order":42,"items":["a","b"]}';
  const signed = (over: Partial<Record<string, string>> = {}, ts = nowSeconds()) => ({ ...signHeaders({ secret, body, msgId: 'msg_x', timestamp: ts }), ...over });

  it('names a missing header, with a hint when the request is another profile’s', () => {
    const missing = failure({ secret, headers: { 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' }, rawBody: body });
    expect(missing).toBeInstanceOf(MissingHeaderError);
    expect(missing.message).toBe('missing header webhook-id');
    const none = failure({ secret, headers: { 'x-paradym-hmac-sha-256': 'ab' }, rawBody: body });
    expect(none.message).toMatch(/missing header webhook-id or svix-id; the request carries X-Paradym-HMAC-SHA-256: verify it with profile "paradym"/);
    expect(none.status).toBe(400);
  });

  it('names malformed headers', () => {
    expect(failure({ secret, headers: signed({ 'webhook-timestamp': 'yesterday' }), rawBody: body })).toBeInstanceOf(InvalidHeaderError);
    const noV1 = failure({ secret, headers: signed({ 'webhook-signature': 'v2,abc' }), rawBody: body });
    expect(noV1.message).toMatch(/invalid webhook-signature header: no "v1,<base64>"/);
  });

  it('tells a stale timestamp from a future one, only once the signature is valid', () => {
    const stale = failure({ secret, headers: signed({}, nowSeconds() - 3600), rawBody: body });
    expect(stale).toBeInstanceOf(TimestampError);
    expect(stale.code).toBe('stale_timestamp');
    expect(stale.message).toMatch(/^stale timestamp: the signature is valid, but the timestamp is 36\d\d s old .* tolerance of 300 s/);
    const future = failure({ secret, headers: signed({}, nowSeconds() + 3600), rawBody: body });
    expect(future.code).toBe('future_timestamp');
    expect(verify({ secret, headers: signed({}, nowSeconds() - 3600), rawBody: body, tolerance: 7200 }).id).toBe('msg_x');
    expect(verify({ secret, headers: signed({}, 1), rawBody: body, tolerance: Infinity }).id).toBe('msg_x');
  });

  it('says "wrong secret or body changed" when nothing explains the mismatch', () => {
    const err = failure({ secret: newSecret(), headers: signed(), rawBody: body }) as SignatureMismatchError;
    expect(err.reason).toBe('wrong-secret-or-body-changed');
    expect(err.message).toMatch(/^signature mismatch: none of the 1 signature\(s\) in webhook-signature was made with the secret given over this body: either the secret is wrong/);
    expect(err.status).toBe(401);
  });

  it('recognises a body reformatted or given a newline after signing', () => {
    const pretty = failure({ secret, headers: signed(), rawBody: JSON.stringify(JSON.parse(body), null, 2) }) as SignatureMismatchError;
    expect(pretty.reason).toBe('body-changed');
    expect(pretty.message).toMatch(/^body changed: the signature in webhook-signature matches the body re-serialised as compact JSON/);
    const newline = failure({ secret, headers: signed(), rawBody: `${body}\n` }) as SignatureMismatchError;
    expect(newline.message).toMatch(/without its trailing newline/);
  });

  it('refuses bad secrets and unknown profiles up front', () => {
    expect(failure({ secret: 'whsec_not base64!', headers: signed(), rawBody: body }).code).toBe('invalid_secret');
    expect(failure({ secret: [], headers: signed(), rawBody: body }).code).toBe('invalid_secret');
    expect(failure({ profile: 'stripe', secret, headers: signed(), rawBody: body }).message).toMatch(/unknown profile "stripe"; known: standard, paradime-bolt, atscale, paradym, dbt-cloud/);
  });
});

describe('hex profiles (paradym, dbt-cloud)', () => {
  const secret = newSecret();
  const body = '{"account_id":1,"event_id":"e","data":{"job_id":"7"}}';

  it('verifies the hex HMAC of the body keyed with the secret string, in the profile’s header', () => {
    const paradym = signHeaders({ profile: 'paradym', secret, body });
    expect(Object.keys(paradym)).toEqual(['x-paradym-hmac-sha-256']);
    expect(verify({ profile: 'paradym', secret, headers: paradym, rawBody: body })).toMatchObject({ id: null, timestamp: null, payload: JSON.parse(body) });
    const dbt = signHeaders({ profile: 'dbt-cloud', secret, body });
    expect(verify({ profile: 'dbt-cloud', secret, headers: { Authorization: dbt.authorization! }, rawBody: body }).profile).toBe('dbt-cloud');
  });

  it('has no timestamp to go stale (the signature covers the body only)', () => {
    expect(verify({ profile: 'dbt-cloud', secret, headers: signHeaders({ profile: 'dbt-cloud', secret, body }), rawBody: body, tolerance: 0 }).id).toBeNull();
  });

  it('says what is wrong', () => {
    const headers = signHeaders({ profile: 'paradym', secret, body });
    expect((failure({ profile: 'paradym', secret: newSecret(), headers, rawBody: body }) as SignatureMismatchError).reason).toBe('wrong-secret-or-body-changed');
    expect((failure({ profile: 'paradym', secret, headers, rawBody: JSON.stringify(JSON.parse(body), null, 2) }) as SignatureMismatchError).reason).toBe('body-changed');
    expect(failure({ profile: 'paradym', secret, headers: { 'x-paradym-hmac-sha-256': 'nope' }, rawBody: body }).message).toMatch(/expected the 64 hex digits/);
    const std = failure({ profile: 'dbt-cloud', secret, headers: signHeaders({ secret, body }), rawBody: body });
    expect(std.message).toMatch(/missing header authorization; the request carries webhook-signature: verify it with profile "standard"/);
  });

  it('recognises a key read the Standard Webhooks way (base64 decoded) instead of as the string', () => {
    const mac = hexSignature(standardKey(secret), body);
    const err = failure({ profile: 'paradym', secret, headers: { 'x-paradym-hmac-sha-256': mac }, rawBody: body }) as SignatureMismatchError;
    expect(err.reason).toBe('secret-encoding');
    expect(err.message).toMatch(/the key is the base64 after whsec_, decoded/);
  });
});
