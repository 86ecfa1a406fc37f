import { describe, expect, it } from 'vitest';
import { apiError, call, svixFor, useHerald } from '../helpers/server.js';

describe('app-portal access', () => {
  const e2e = useHerald();

  it('hands out an absolute url and a token confined to one application', async () => {
    const mine = await e2e.svix.application.create({ name: 'Tenant A', uid: 'tenant-a' });
    const theirs = await e2e.svix.application.create({ name: 'Tenant B', uid: 'tenant-b' });
    await e2e.svix.endpoint.create(theirs.id, { url: 'https://b.example.com/hook' });
    await e2e.svix.message.create(theirs.id, { eventType: 'b.private', payload: { secret: 'b' } });

    const access = await e2e.svix.authentication.appPortalAccess('tenant-a', {});
    expect(access.url).toMatch(/^https?:\/\//);
    expect(new URL(access.url).host).not.toBe('');
    expect(access.token.length).toBeGreaterThanOrEqual(16);
    expect(access.token).not.toBe(e2e.herald.token);

    const tenant = svixFor(e2e.herald, access.token);
    expect((await tenant.application.get(mine.id)).name).toBe('Tenant A');
    expect((await tenant.application.get('tenant-a')).id).toBe(mine.id);
    const ep = await tenant.endpoint.create('tenant-a', { url: 'https://a.example.com/hook' });
    expect((await tenant.endpoint.list(mine.id)).data.map((e) => e.id)).toEqual([ep.id]);
    expect((await tenant.endpoint.getSecret(mine.id, ep.id)).key).toMatch(/^whsec_/);
    expect((await tenant.message.list(mine.id)).data).toEqual([]);

    const denied: (() => Promise<unknown>)[] = [
      () => tenant.application.get(theirs.id),
      () => tenant.application.get('tenant-b'),
      () => tenant.endpoint.list(theirs.id),
      () => tenant.message.list('tenant-b'),
      () => tenant.message.create(theirs.id, { eventType: 'x.y', payload: {} }),
      () => tenant.endpoint.create(theirs.id, { url: 'https://evil.example.com/' }),
      () => tenant.authentication.appPortalAccess(theirs.id, {}),
    ];
    for (const attempt of denied) {
      const { status, body } = await apiError(attempt());
      expect([403, 404], String(attempt)).toContain(status);
      expect(body).toEqual({ code: expect.any(String), detail: expect.any(String) });
    }
    // Organisation-wide actions are not the tenant's to take.
    expect((await apiError(tenant.application.create({ name: 'Sneaky' }))).status).toBe(403);
    expect((await apiError(tenant.eventType.create({ name: 'sneaky.type', description: 'no' }))).status).toBe(403);
    const apps = await call(e2e.herald, 'GET', '/app', { token: access.token });
    if (apps.status === 200) expect(apps.json.data.map((a: { id: string }) => a.id)).toEqual([mine.id]);
    else expect(apps.status).toBe(403);

    // Nothing changed for tenant B.
    expect((await e2e.svix.endpoint.list(theirs.id)).data).toHaveLength(1);
    expect((await e2e.svix.message.list(theirs.id)).data).toHaveLength(1);
    expect((await e2e.svix.application.list({ limit: 250 })).data.map((a) => a.name)).not.toContain('Sneaky');
  });

  it('answers 404 for portal access to an unknown app and 401 for a made-up portal token', async () => {
    expect((await apiError(e2e.svix.authentication.appPortalAccess('no-such-app', {}))).status).toBe(404);
    const fake = await call(e2e.herald, 'GET', '/app', { token: 'herald_portal_made_up_token_123456789' });
    expect(fake.status).toBe(401);
    expect(fake.json).toEqual({ code: expect.any(String), detail: expect.any(String) });
  });
});
