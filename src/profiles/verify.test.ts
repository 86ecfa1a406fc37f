import { describe, expect, it } from 'vitest';
import { secretKeyBytes } from '../domain/secrets.js';
import { hmacSha256Hex, standardSignature } from './sign.js';
import { verifyRequest } from './verify.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = new Date('2026-01-01T00:00:00Z');
const ts = String(now.getTime() / 1000);
const body = Buffer.from('{"a":1}');

describe('verifyRequest', () => {
  it('accepts svix-* header names and any matching entry of a rotation', () => {
    const sig = standardSignature(secretKeyBytes(secret), 'msg_1', ts, body);
    const headers = { 'svix-id': 'msg_1', 'svix-timestamp': ts, 'svix-signature': `v1,AAAA ${sig}` };
    expect(verifyRequest({ profile: 'atscale', secret, headers, body, now }).status).toBe('verified');
  });

  it('fails a matching signature whose timestamp is outside the tolerance', () => {
    const old = String(Number(ts) - 301);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': old, 'webhook-signature': standardSignature(secretKeyBytes(secret), 'msg_1', old, body) };
    const out = verifyRequest({ profile: 'standard', secret, headers, body, now });
    expect(out).toMatchObject({ status: 'failed', detail: expect.stringMatching(/301 s old/) });
  });

  it("checks paradym's hex header, and says when nothing can be checked", () => {
    const headers = { 'x-paradym-hmac-sha-256': hmacSha256Hex(Buffer.from(secret), body) };
    expect(verifyRequest({ profile: 'paradym', secret, headers, body, now }).status).toBe('verified');
    expect(verifyRequest({ profile: 'paradym', secret, headers: {}, body, now }).status).toBe('unsigned');
    expect(verifyRequest({ profile: 'paradym', secret: null, headers, body, now }).status).toBe('unchecked');
    expect(verifyRequest({ profile: 'nope', secret, headers, body, now }).status).toBe('unchecked');
  });
});
