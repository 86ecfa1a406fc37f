import { describe, expect, it } from 'vitest';
import { paradimeBoltCatalog } from '../../src/profiles/catalogs/paradime-bolt.js';
import { profileApp, profileEndpoint, sendMessage } from '../helpers/profile-e2e.js';
import { expectedSignature, useHerald, verifyWebhook } from '../helpers/server.js';
import type { ReceiverResponse } from '../helpers/test-receiver.js';

const example = (name: string) => paradimeBoltCatalog.find((e) => e.name === name)!.schema.examples[0]!;

describe('paradime-bolt profile', () => {
  // The server default schedule applies to this profile: one quick retry.
  const e2e = useHerald({ env: { HERALD_RETRY_SCHEDULE: '1' } });

  it('sends the run objects as given, signed with Standard Webhooks, and retries with the same bytes', async () => {
    const app = await profileApp(e2e.herald, 'paradime-bolt', 'demo-jaffle');
    const r = await e2e.receiver();
    let n = 0;
    // The completed run fails once, then is accepted.
    r.setResponse((req): ReceiverResponse => (JSON.parse(req.body).end_dttm !== undefined && n++ === 0 ? { status: 500 } : { status: 200 }));
    const ep = await profileEndpoint(e2e.herald, app.id, { url: r.url, profile: 'paradime-bolt' });

    const started = await sendMessage(e2e.herald, app.id, { eventType: 'bolt.run.started', payload: example('bolt.run.started') });
    const first = await r.next();
    const completed = await sendMessage(e2e.herald, app.id, { eventType: 'bolt.run.completed', payload: example('bolt.run.completed') });
    const failed = await r.next();
    const retried = await r.next(5_000);

    expect(first.body).toBe(JSON.stringify(example('bolt.run.started')));
    expect(first.headers['webhook-id']).toBe(started.id);
    expect(first.headers['webhook-signature']).toBe(expectedSignature(ep.secret, first));
    expect(verifyWebhook(ep.secret, first)).toEqual(example('bolt.run.started'));

    expect(failed.body).toBe(JSON.stringify(example('bolt.run.completed')));
    expect(retried.body).toBe(failed.body);
    for (const req of [failed, retried]) {
      expect(req.headers['webhook-id']).toBe(completed.id);
      expect(req.headers['webhook-signature']).toBe(expectedSignature(ep.secret, req));
    }
    expect(retried.receivedAt - failed.receivedAt).toBeGreaterThanOrEqual(790);
  });

  it("sends svix-* headers with profileOptions.headerNames 'svix'", async () => {
    const app = await profileApp(e2e.herald, 'paradime-bolt', 'svix-names');
    const r = await e2e.receiver();
    const ep = await profileEndpoint(e2e.herald, app.id, { url: r.url, profile: 'paradime-bolt', profileOptions: { headerNames: 'svix' } });
    const msg = await sendMessage(e2e.herald, app.id, { eventType: 'bolt.run.started', payload: example('bolt.run.started') });
    const req = await r.next();
    expect(req.headers['svix-id']).toBe(msg.id);
    expect(req.headers['webhook-id']).toBeUndefined();
    const asStandard = { ...req, headers: { 'webhook-id': req.headers['svix-id'], 'webhook-timestamp': req.headers['svix-timestamp'] } };
    expect(req.headers['svix-signature']).toBe(expectedSignature(ep.secret, asStandard));
  });
});
