import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { app, endpoint, message } from '../../test/helpers/factory.js';
import { generateSecret } from '../domain/secrets.js';
import { paradimeBoltCatalog } from './catalogs/paradime-bolt.js';
import { getProfile } from './index.js';
import { paradimeBoltProfile } from './paradime-bolt.js';

describe('paradime-bolt profile', () => {
  it('sends the run object as given, signed with Standard Webhooks', () => {
    const application = app();
    const secret = generateSecret();
    const payload = JSON.stringify(paradimeBoltCatalog.find((e) => e.name === 'bolt.run.completed')!.schema.examples[0]);
    const msg = message(application.id, { eventType: 'bolt.run.completed', payload });
    const prepared = paradimeBoltProfile.prepare({ endpoint: endpoint(application.id, { profile: 'paradime-bolt' }), secrets: [{ key: secret, expiresAt: null }] });
    const body = prepared.body({ message: msg, payload, appUid: null });
    expect(body).toBe(payload);
    const headers = prepared.signatureHeaders({ msgId: msg.id, body, attemptAt: new Date() });
    expect(headers['webhook-id']).toBe(msg.id);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(payload));
  });

  it('uses the server’s timeout and retry defaults and takes the headerNames option only', () => {
    expect(paradimeBoltProfile.timeoutMs).toBe(15_000);
    expect(paradimeBoltProfile.retrySchedule).toBeNull();
    expect(paradimeBoltProfile.validateOptions({ headerNames: 'svix' })).toEqual([]);
    expect(paradimeBoltProfile.validateOptions({ slowThresholdMs: 1 }).map((i) => i.loc)).toEqual([['body', 'profileOptions', 'slowThresholdMs']]);
    expect(getProfile('paradime-bolt')).toBe(paradimeBoltProfile);
  });
});
