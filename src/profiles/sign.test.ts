import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { app, endpoint as factoryEndpoint, message as factoryMessage } from '../../test/helpers/factory.js';
import { generateSecret, secretKeyBytes } from '../domain/secrets.js';
import type { Endpoint, Message } from '../domain/types.js';
import { getProfile, isReservedHeaderName } from './index.js';
import { standardProfile } from './standard.js';
import { hmacSha256Hex, standardSignature, standardSignatureHeader } from './sign.js';
import { specVector as vector } from '../../packages/receiver/test/spec-vector.js';


const application = app();
const endpoint = (overrides: Partial<Endpoint> = {}) => factoryEndpoint(application.id, overrides);
const message = factoryMessage(application.id, {
  id: vector.msgId as Message['id'],
  payload: vector.payload,
  timestamp: new Date(vector.timestamp * 1000),
});

describe('standard signatures', () => {
  it('match the Standard Webhooks test vector', () => {
    expect(standardSignature(secretKeyBytes(vector.secret), vector.msgId, vector.timestamp, vector.payload)).toBe(vector.signature);
  });

  it('verify with the standardwebhooks package', () => {
    const secret = generateSecret();
    const body = '{"hello":"wörld","n":[1,2,3]}';
    const ts = Math.floor(Date.now() / 1000);
    const header = standardSignatureHeader([secretKeyBytes(secret)], vector.msgId, ts, body);
    const verified = new Webhook(secret).verify(body, { 'webhook-id': vector.msgId, 'webhook-timestamp': String(ts), 'webhook-signature': header });
    expect(verified).toEqual(JSON.parse(body));
  });

  it('hex HMAC uses node:crypto over the parts in order', () => {
    expect(hmacSha256Hex(Buffer.from('key'), 'The quick brown fox ', 'jumps over the lazy dog')).toBe('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  });
});

describe('standard profile', () => {
  const attemptAt = new Date(vector.timestamp * 1000 + 999);

  it('sends the payload byte-exact and signs it as the spec says', () => {
    const prepared = standardProfile.prepare({ endpoint: endpoint(), secrets: [{ key: vector.secret, expiresAt: null }] });
    const body = prepared.body({ message, payload: vector.payload, appUid: null });
    expect(body).toBe(vector.payload);
    expect(prepared.signatureHeaders({ msgId: message.id, body, attemptAt })).toEqual({
      'webhook-id': vector.msgId,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': vector.signature,
    });
  });

  it('signs with every active secret during a rotation, new first, and drops expired ones', () => {
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const now = new Date();
    const secrets = [
      { key: oldSecret, expiresAt: new Date(now.getTime() + 3_600_000).toISOString() },
      { key: newSecret, expiresAt: null },
    ];
    const prepared = standardProfile.prepare({ endpoint: endpoint(), secrets });
    const headers = prepared.signatureHeaders({ msgId: message.id, body: vector.payload, attemptAt: now });
    const ts = Math.floor(now.getTime() / 1000);
    const parts = headers['webhook-signature']!.split(' ');
    expect(parts).toEqual([
      standardSignature(secretKeyBytes(newSecret), message.id, ts, vector.payload),
      standardSignature(secretKeyBytes(oldSecret), message.id, ts, vector.payload),
    ]);
    // The reference library accepts the request with either key.
    for (const secret of [oldSecret, newSecret]) {
      expect(new Webhook(secret).verify(vector.payload, headers)).toEqual(JSON.parse(vector.payload));
    }
    const later = prepared.signatureHeaders({ msgId: message.id, body: vector.payload, attemptAt: new Date(now.getTime() + 7_200_000) });
    expect(later['webhook-signature']!.split(' ')).toHaveLength(1);
  });

  it("uses svix-* header names with profileOptions.headerNames 'svix'", () => {
    const prepared = standardProfile.prepare({ endpoint: endpoint({ profileOptions: { headerNames: 'svix' } }), secrets: [{ key: vector.secret, expiresAt: null }] });
    expect(prepared.signatureHeaders({ msgId: message.id, body: vector.payload, attemptAt })).toEqual({
      'svix-id': vector.msgId,
      'svix-timestamp': String(vector.timestamp),
      'svix-signature': vector.signature,
    });
  });

  it('validates its options', () => {
    expect(standardProfile.validateOptions({})).toEqual([]);
    expect(standardProfile.validateOptions({ headerNames: 'svix' })).toEqual([]);
    expect(standardProfile.validateOptions({ headerNames: 'x' }).map((i) => i.loc)).toEqual([['body', 'profileOptions', 'headerNames']]);
    expect(standardProfile.validateOptions({ other: 1 }).map((i) => i.loc)).toEqual([['body', 'profileOptions', 'other']]);
  });

  it('is registered and reserves its header names', () => {
    expect(getProfile('standard')).toBe(standardProfile);
    expect(getProfile('nope')).toBeUndefined();
    for (const name of ['webhook-signature', 'Svix-Id', 'content-type', 'host']) expect(isReservedHeaderName(name)).toBe(true);
    expect(isReservedHeaderName('x-api-key')).toBe(false);
  });
});
