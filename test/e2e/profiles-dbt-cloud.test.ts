import { describe, expect, it } from 'vitest';
import { dbtCloudCatalog } from '../../src/profiles/catalogs/dbt-cloud.js';
import { destinationIds, expectCall, hexHmac, profileApp, profileEndpoint, sendMessage } from '../helpers/profile-e2e.js';
import { call, useHerald, waitFor } from '../helpers/server.js';

const example = (name: string) => dbtCloudCatalog.find((e) => e.name === name)!.schema.examples[0]!;

describe('dbt-cloud profile', () => {
  const e2e = useHerald();

  it('sends the seed’s envelope byte for byte with the hex HMAC in Authorization, and filters by job id on the payload', async () => {
    const app = await profileApp(e2e.herald, 'dbt-cloud', '123');
    const [jobTwo, everything] = [await e2e.receiver(), await e2e.receiver()];
    const filtered = await profileEndpoint(e2e.herald, app.id, { url: jobTwo.url, profile: 'dbt-cloud', payloadFilter: { job_id: { $in: ['2', '7'] } } });
    const all = await profileEndpoint(e2e.herald, app.id, { url: everything.url, profile: 'dbt-cloud' });

    const started = await sendMessage(e2e.herald, app.id, { eventType: 'job.run.started', eventId: '231321foisdjfiods', payload: example('job.run.started') });
    const otherJob = await sendMessage(e2e.herald, app.id, { eventType: 'job.run.completed', payload: { ...example('job.run.completed'), job_id: '3' } });
    expect(await destinationIds(e2e.herald, app.id, started.id)).toEqual([filtered.id, all.id].sort());
    expect(await destinationIds(e2e.herald, app.id, otherJob.id)).toEqual([all.id]);

    const expectedStarted = JSON.stringify({
      account_id: 123,
      event_id: '231321foisdjfiods',
      timestamp: started.timestamp,
      event_type: 'job.run.started',
      data: example('job.run.started'),
    });
    const first = await jobTwo.next();
    expect(first.body).toBe(expectedStarted);
    expect(first.headers.authorization).toBe(hexHmac(filtered.secret, first.body));

    const [a, b] = await everything.waitForCount(2);
    const byType = new Map([a!, b!].map((req) => [JSON.parse(req.body).event_type as string, req]));
    expect(byType.get('job.run.started')!.body).toBe(expectedStarted);
    expect(byType.get('job.run.started')!.headers.authorization).toBe(hexHmac(all.secret, expectedStarted));
    const completed = byType.get('job.run.completed')!;
    expect(completed.body).toBe(
      JSON.stringify({ account_id: 123, event_id: otherJob.id, timestamp: otherJob.timestamp, event_type: 'job.run.completed', data: { ...example('job.run.completed'), job_id: '3' } }),
    );
    expect(completed.headers.authorization).toBe(hexHmac(all.secret, completed.body));
    expect(jobTwo.requests).toHaveLength(1);
  });

  it('uses its own retry schedule: the first retry is due about 10 s after a failure (account_id: the app id without a uid)', async () => {
    const app = await profileApp(e2e.herald, 'dbt-cloud', null);
    const r = await e2e.receiver();
    r.setResponse({ status: 500 });
    await profileEndpoint(e2e.herald, app.id, { url: r.url, profile: 'dbt-cloud' });
    const msg = await sendMessage(e2e.herald, app.id, { eventType: 'job.run.errored', payload: example('job.run.errored') });
    const first = await r.next();
    expect(JSON.parse(first.body).account_id).toBe(app.id);
    const destination = await waitFor('a retry to be scheduled', async () => {
      const d = (await expectCall(e2e.herald, 'GET', `/app/${app.id}/msg/${msg.id}/endpoint`, 200)).data[0];
      return d?.status === 1 && d.nextAttempt && d;
    });
    const attempt = (await expectCall(e2e.herald, 'GET', `/app/${app.id}/attempt/msg/${msg.id}`, 200)).data[0];
    const wait = Date.parse(destination.nextAttempt) - Date.parse(attempt.timestamp);
    // 10 s ± 20 % jitter, measured from the attempt's start.
    expect(wait).toBeGreaterThanOrEqual(8_000);
    expect(wait).toBeLessThanOrEqual(12_500);
  });

  it('retries five times with byte-identical bodies and signatures, then fails the delivery', async () => {
    const app = await profileApp(e2e.herald, 'dbt-cloud', 'acct-retry');
    const r = await e2e.receiver();
    r.setResponse({ status: 503 });
    // The endpoint's own schedule (five retries, at once) stands in for dbt's 10 s … 2 h.
    const ep = await profileEndpoint(e2e.herald, app.id, { url: r.url, profile: 'dbt-cloud', retrySchedule: [0, 0, 0, 0, 0] });
    const msg = await sendMessage(e2e.herald, app.id, { eventType: 'job.run.canceled', payload: example('job.run.canceled') });
    const requests = await r.waitForCount(6, 10_000);
    expect(new Set(requests.map((q) => q.body)).size).toBe(1);
    expect(new Set(requests.map((q) => q.headers.authorization)).size).toBe(1);
    expect(requests[0]!.headers.authorization).toBe(hexHmac(ep.secret, requests[0]!.body));
    await waitFor('the delivery to fail', async () => (await expectCall(e2e.herald, 'GET', `/app/${app.id}/msg/${msg.id}/endpoint`, 200)).data[0]?.status === 2);
    expect(r.requests).toHaveLength(6);
    expect((await expectCall(e2e.herald, 'GET', `/app/${app.id}/attempt/msg/${msg.id}`, 200)).data).toHaveLength(6);
  });

  it('answers 422 and stores nothing for an Authorization custom header, an unknown profile, options or filter operator', async () => {
    const app = await profileApp(e2e.herald, 'dbt-cloud', 'acct-bad');
    const url = 'http://127.0.0.1:9/hook';
    const bad: [Record<string, unknown>, string[]][] = [
      [{ url, profile: 'dbt-cloud', headers: { Authorization: 'Bearer x' } }, ['body', 'headers', 'Authorization']],
      [{ url, profile: 'dbt-kloud' }, ['body', 'profile']],
      [{ url, profile: 'dbt-cloud', profileOptions: { jobs: ['2'] } }, ['body', 'profileOptions', 'jobs']],
      [{ url, profile: 'dbt-cloud', payloadFilter: { job_id: { $regex: '^2' } } }, ['body', 'payloadFilter']],
      [{ url, profile: 'dbt-cloud', payloadFilter: { $where: 'this.job_id == 2' } }, ['body', 'payloadFilter']],
    ];
    for (const [body, loc] of bad) {
      const res = await call(e2e.herald, 'POST', `/app/${app.id}/endpoint`, { body });
      expect(res.status, res.text).toBe(422);
      expect(res.json.detail.map((d: { loc: string[] }) => d.loc)).toContainEqual(loc);
    }
    expect((await expectCall(e2e.herald, 'GET', `/app/${app.id}/endpoint`, 200)).data).toEqual([]);
    // A standard endpoint may send its own Authorization header.
    await profileEndpoint(e2e.herald, app.id, { url, headers: { Authorization: 'Bearer x' } });
    // A payload that breaks the catalog's schema: 422 naming the path, nothing stored.
    const res = await call(e2e.herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'job.run.started', payload: { ...example('job.run.started'), run_id: 109281092812 } } });
    expect(res.status).toBe(422);
    expect(res.json.detail[0].loc).toEqual(['body', 'payload', 'run_id']);
    expect((await expectCall(e2e.herald, 'GET', `/app/${app.id}/msg`, 200)).data).toEqual([]);
  });
});
