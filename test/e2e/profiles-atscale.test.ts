import { describe, expect, it } from 'vitest';
import { atscaleCatalog } from '../../src/profiles/catalogs/atscale.js';
import { destinationIds, expectCall, profileApp, profileEndpoint, sendMessage } from '../helpers/profile-e2e.js';
import { expectedSignature, useHerald } from '../helpers/server.js';

const example = (name: string) => atscaleCatalog.find((e) => e.name === name)!.schema.examples[0]!;

describe('atscale profile', () => {
  const e2e = useHerald();

  it('delivers per-event subscriptions and slow events over each endpoint’s threshold, bodies as given and signed', async () => {
    // AtScale tenants are an org and an environment.
    const app = await profileApp(e2e.herald, 'atscale', 'default.prod');
    const [slowQueries, slowBoth, everything] = [await e2e.receiver(), await e2e.receiver(), await e2e.receiver()];
    // The default threshold (4 s), slow queries only.
    const a = await profileEndpoint(e2e.herald, app.id, { url: slowQueries.url, profile: 'atscale', filterTypes: ['slow_query_event'] });
    // 3 s, both slow events.
    const b = await profileEndpoint(e2e.herald, app.id, {
      url: slowBoth.url,
      profile: 'atscale',
      filterTypes: ['slow_query_event', 'slow_agg_builds'],
      profileOptions: { slowThresholdMs: 3_000 },
    });
    // Every event, default threshold.
    const c = await profileEndpoint(e2e.herald, app.id, { url: everything.url, profile: 'atscale' });

    const sent = new Map<string, any>();
    for (const entry of atscaleCatalog) sent.set(entry.name, await sendMessage(e2e.herald, app.id, { eventType: entry.name, payload: entry.schema.examples[0] }));
    const slower = await sendMessage(e2e.herald, app.id, { eventType: 'slow_query_event', payload: { ...example('slow_query_event'), time_taken: 4.25 } });

    // The seed's slow query took 3.708 s: under 4 s, over 3 s.
    expect(await destinationIds(e2e.herald, app.id, sent.get('slow_query_event').id)).toEqual([b.id]);
    // The seed's slow aggregate build took 7623 ms: over both thresholds.
    expect(await destinationIds(e2e.herald, app.id, sent.get('slow_agg_builds').id)).toEqual([b.id, c.id].sort());
    expect(await destinationIds(e2e.herald, app.id, sent.get('aggregate_batch_started').id)).toEqual([c.id]);
    expect(await destinationIds(e2e.herald, app.id, slower.id)).toEqual([a.id, b.id, c.id].sort());

    const checkAll = async (r: typeof slowQueries, secret: string, count: number) => {
      const requests = await r.waitForCount(count);
      for (const req of requests) {
        const msgId = req.headers['webhook-id'] as string;
        const input = msgId === slower.id ? { ...example('slow_query_event'), time_taken: 4.25 } : example([...sent].find(([, m]) => m.id === msgId)![0]);
        expect(req.body).toBe(JSON.stringify(input));
        expect(req.headers['webhook-signature']).toBe(expectedSignature(secret, req));
      }
      return requests;
    };
    expect((await checkAll(slowQueries, a.secret, 1)).map((q) => q.headers['webhook-id'])).toEqual([slower.id]);
    expect(await checkAll(slowBoth, b.secret, 3)).toHaveLength(3);
    expect(await checkAll(everything, c.secret, 7)).toHaveLength(7);

    // Replay-missing applies the threshold too: under the default nothing more qualifies for A;
    // once A's threshold drops to 3.5 s the seed's slow query does.
    const since = new Date(Date.now() - 60_000).toISOString();
    expect((await expectCall(e2e.herald, 'POST', `/app/${app.id}/endpoint/${a.id}/replay-missing`, 202, { since })).data).toEqual({ messagesSent: 0 });
    await expectCall(e2e.herald, 'PATCH', `/app/${app.id}/endpoint/${a.id}`, 200, { profileOptions: { slowThresholdMs: 3_500 } });
    expect((await expectCall(e2e.herald, 'POST', `/app/${app.id}/endpoint/${a.id}/replay-missing`, 202, { since })).data).toEqual({ messagesSent: 1 });
    const again = (await slowQueries.waitForCount(2))[1]!;
    expect(again.headers['webhook-id']).toBe(sent.get('slow_query_event').id);
    expect(again.body).toBe(JSON.stringify(example('slow_query_event')));
  });

  it('answers 422 for a bad slowThresholdMs and stores nothing', async () => {
    const app = await profileApp(e2e.herald, 'atscale', 'default.dev');
    for (const slowThresholdMs of [-1, '4000', 1.5]) {
      const err = await expectCall(e2e.herald, 'POST', `/app/${app.id}/endpoint`, 422, { url: 'https://example.com/h', profile: 'atscale', profileOptions: { slowThresholdMs } });
      expect(err.detail[0].loc).toEqual(['body', 'profileOptions', 'slowThresholdMs']);
    }
    expect((await expectCall(e2e.herald, 'GET', `/app/${app.id}/endpoint`, 200)).data).toEqual([]);
  });
});
