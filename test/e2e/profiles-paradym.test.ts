import { describe, expect, it } from 'vitest';
import { paradymCatalog } from '../../src/profiles/catalogs/paradym.js';
import { destinationIds, expectCall, hexHmac, profileApp, profileEndpoint, sendMessage } from '../helpers/profile-e2e.js';
import { useHerald, waitFor } from '../helpers/server.js';

describe('paradym profile', () => {
  // A server default with a quick retry: the profile's "no retry" must win over it.
  const e2e = useHerald({ env: { HERALD_RETRY_SCHEDULE: '1,1' } });

  it('sends every event to every endpoint as the seed’s envelope, byte for byte, signed as its Node snippet checks', async () => {
    const app = await profileApp(e2e.herald, 'paradym', 'project-42');
    const receivers = [await e2e.receiver(), await e2e.receiver()];
    const endpoints = [];
    for (const r of receivers) endpoints.push(await profileEndpoint(e2e.herald, app.id, { url: r.url, profile: 'paradym' }));

    const sent = [];
    for (const entry of paradymCatalog) sent.push(await sendMessage(e2e.herald, app.id, { eventType: entry.name, payload: entry.schema.examples[0] }));

    for (const [i, r] of receivers.entries()) {
      const requests = await r.waitForCount(sent.length);
      const ep = endpoints[i]!;
      const byType = new Map(requests.map((req) => [JSON.parse(req.body).eventType as string, req]));
      for (const [j, entry] of paradymCatalog.entries()) {
        const req = byType.get(entry.name)!;
        const expected = JSON.stringify({
          webhookId: ep.id,
          webhookPublishedAt: sent[j].timestamp,
          projectId: 'project-42',
          eventType: entry.name,
          payload: entry.schema.examples[0],
        });
        expect(req.body).toBe(expected);
        expect(req.headers['x-paradym-hmac-sha-256']).toBe(hexHmac(ep.secret, req.body));
        expect(req.headers['content-type']).toBe('application/json');
        expect(req.headers['webhook-signature']).toBeUndefined();
      }
    }
    for (const msg of sent) expect(await destinationIds(e2e.herald, app.id, msg.id)).toEqual(endpoints.map((e) => e.id).sort());
  });

  it('does not retry a 500: one attempt, and the delivery is failed', async () => {
    const app = await profileApp(e2e.herald, 'paradym', 'project-500');
    const r = await e2e.receiver();
    r.setResponse({ status: 500 });
    const ep = await profileEndpoint(e2e.herald, app.id, { url: r.url, profile: 'paradym' });
    const msg = await sendMessage(e2e.herald, app.id, { eventType: 'workflowExecution.started', payload: paradymCatalog[0]!.schema.examples[0] });
    await r.next();
    const destination = await waitFor('the delivery to fail', async () => {
      const d = (await expectCall(e2e.herald, 'GET', `/app/${app.id}/msg/${msg.id}/endpoint`, 200)).data[0];
      return d?.status === 2 && d;
    });
    expect(destination).toMatchObject({ id: ep.id, nextAttempt: null });
    expect((await expectCall(e2e.herald, 'GET', `/app/${app.id}/attempt/msg/${msg.id}`, 200)).data).toHaveLength(1);
    expect(r.requests).toHaveLength(1);
  });

  it('treats an answer after 7 s as a failure at 5 s, and does not retry it', async () => {
    const app = await profileApp(e2e.herald, 'paradym', 'project-slow');
    const r = await e2e.receiver();
    r.setResponse({ status: 200, delayMs: 7_000 });
    await profileEndpoint(e2e.herald, app.id, { url: r.url, profile: 'paradym' });
    const msg = await sendMessage(e2e.herald, app.id, { eventType: 'workflowExecution.completed', payload: paradymCatalog[2]!.schema.examples[0] });
    const attempt = await waitFor(
      'the timed-out attempt',
      async () => (await expectCall(e2e.herald, 'GET', `/app/${app.id}/attempt/msg/${msg.id}`, 200)).data[0],
      12_000,
    );
    expect(attempt).toMatchObject({ status: 2, responseStatusCode: 0 });
    expect(attempt.responseDurationMs).toBeGreaterThanOrEqual(4_900);
    expect(attempt.responseDurationMs).toBeLessThan(7_000);
    const destination = (await expectCall(e2e.herald, 'GET', `/app/${app.id}/msg/${msg.id}/endpoint`, 200)).data[0];
    expect(destination).toMatchObject({ status: 2, nextAttempt: null });
    expect(r.requests).toHaveLength(1);
  });
});
