import { describe, expect, it } from 'vitest';
import { browserSkipReason, consolePage, screenshot, useBrowser } from '../helpers/browser.js';
import { call, useHerald } from '../helpers/server.js';

describe.skipIf(browserSkipReason() !== null)('console and tenant portal in Chromium', () => {
  const e2e = useHerald();
  const b = useBrowser();

  it('refuses a wrong admin token with a readable error, and keeps no token in page storage', async () => {
    const page = await (await b.browser.newContext({ baseURL: e2e.herald.url })).newPage();
    await page.goto('/');
    await screenshot(page, 'sign-in');
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('invalid token');
    await page.getByLabel('Admin token').fill(e2e.herald.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No applications yet').waitFor();
    // A string, not a function: the test's tsconfig has no DOM types.
    const stored = await page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie');
    expect(stored).not.toContain(e2e.herald.token);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'herald_console', httpOnly: true, sameSite: 'Strict' });
  });

  it('sets up a dbt-cloud endpoint, sends an example, shows its request and response, and resends it', async () => {
    const receiver = await e2e.receiver();
    const page = await consolePage(b.browser, e2e.herald);
    await page.getByRole('link', { name: 'Event catalog' }).click();
    await page.getByRole('button', { name: 'Install dbt-cloud' }).click();
    await page.getByRole('button', { name: 'Yes, install dbt-cloud' }).click();
    await page.getByText('Installed: 4 created').waitFor();
    await screenshot(page, 'catalog');

    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByLabel('Name').fill('Acme Analytics');
    await page.getByLabel('uid (optional)').fill('123');
    await page.getByRole('button', { name: 'Create application' }).click();
    await page.getByRole('heading', { name: 'Acme Analytics' }).waitFor();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByLabel('URL').fill(`${receiver.url}/dbt`);
    await page.getByLabel('Profile', { exact: true }).selectOption('dbt-cloud');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('link', { name: `${receiver.url}/dbt` }).click();

    await page.getByLabel('Event type').selectOption('job.run.completed');
    await page.getByRole('button', { name: 'Send example' }).click();
    await page.getByText(/Sent message msg_/).waitFor();
    const attempt = page.getByRole('button', { name: /succeeded HTTP 200/ });
    await attempt.first().click({ timeout: 15_000 });
    const requestBody = await page.getByLabel('Request body').textContent();
    expect(requestBody).toContain('"account_id": 123');
    expect(requestBody).toContain('"event_type": "job.run.completed"');
    // The dbt Cloud HMAC travels in Authorization, whose value the API withholds (src/api/redact.ts).
    expect(await page.getByLabel('Request headers').textContent()).toMatch(/user-agentHerald\/.*authorization\[redacted\]/);
    await page.getByRole('region', { name: 'Response' }).getByText('HTTP 200 in').waitFor();
    await screenshot(page, 'endpoint-attempt');

    await page.getByRole('link', { name: /^message msg_/ }).first().click();
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.getByRole('button', { name: 'Yes, resend' }).click();
    await page.getByRole('button', { name: /manual$/ }).waitFor({ timeout: 15_000 });
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
    await screenshot(page, 'message-resent');

    await page.getByRole('link', { name: '← Application' }).click();
    await page.getByRole('button', { name: 'Create portal link' }).click();
    expect(await page.getByLabel('Portal link to copy').inputValue()).toMatch(new RegExp(`^${e2e.herald.url}/portal#token=herald_portal_`));
  });

  it('opens a portal link confined to one tenant: another tenant is unreachable by page and by API', async () => {
    const mine = (await call(e2e.herald, 'POST', '/app', { body: { name: 'Tenant A', uid: 'tenant-a' } })).json;
    const theirs = (await call(e2e.herald, 'POST', '/app', { body: { name: 'Tenant B', uid: 'tenant-b' } })).json;
    await call(e2e.herald, 'POST', `/app/${mine.id}/endpoint`, { body: { url: 'https://a.example.com/hook' } });
    const their = (await call(e2e.herald, 'POST', `/app/${theirs.id}/endpoint`, { body: { url: 'https://b.example.com/hook' } })).json;
    const link = (await call(e2e.herald, 'POST', `/auth/app-portal-access/${mine.id}`, { body: { expiry: 3600 } })).json.url as string;

    const context = await b.browser.newContext({ baseURL: e2e.herald.url });
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole('heading', { name: 'Tenant A' }).waitFor();
    await page.getByRole('link', { name: 'https://a.example.com/hook' }).waitFor();
    expect(page.url()).not.toContain('token=');
    expect(await page.getByText('https://b.example.com/hook').count()).toBe(0);
    await screenshot(page, 'portal');

    await page.goto(`/portal#/endpoints/${their.id}`);
    expect(await page.getByRole('alert').textContent()).toMatch(/not found/);
    for (const path of [`/api/v1/app/${theirs.id}`, `/api/v1/app/${theirs.id}/endpoint`, `/api/v1/app/${theirs.id}/msg`]) {
      expect((await context.request.get(path)).status(), path).toBe(404);
    }
    expect((await context.request.get('/api/v1/app')).status()).toBe(403);
    expect((await context.request.get(`/api/v1/app/${mine.id}/endpoint`)).status()).toBe(200);
    const write = await context.request.post(`/api/v1/app/${theirs.id}/endpoint`, { data: { url: 'https://x.example.com' }, headers: { 'x-herald-session': 'portal' } });
    expect(write.status()).toBe(404);
  });

  it('shows a read-only portal link no action that writes, and still every page that reads', async () => {
    const app = (await call(e2e.herald, 'POST', '/app', { body: { name: 'Tenant R', uid: 'tenant-r' } })).json;
    const ep = (await call(e2e.herald, 'POST', `/app/${app.id}/endpoint`, { body: { url: 'https://r.example.com/hook' } })).json;
    const msg = (await call(e2e.herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'read.only', payload: { n: 1 } } })).json;
    const link = (await call(e2e.herald, 'POST', `/auth/app-portal-access/${app.id}`, { body: { expiry: 3600, readOnly: true } })).json.url as string;
    const page = await (await b.browser.newContext({ baseURL: e2e.herald.url })).newPage();
    await page.goto(link);
    await page.getByRole('heading', { name: 'Tenant R' }).waitFor();
    expect(await page.getByText('(read-only)').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Add endpoint' }).count()).toBe(0);

    await page.goto(`/portal#/endpoints/${ep.id}`);
    await page.getByRole('heading', { name: 'Endpoint https://r.example.com/hook' }).waitFor();
    await page.getByRole('heading', { name: 'Recent attempts' }).waitFor();
    for (const name of ['Edit endpoint', 'Disable', 'Reveal secret', 'Rotate secret', 'Send example', 'Recover failed']) {
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    }
    await page.goto(`/portal#/msgs/${msg.id}`);
    await page.getByRole('link', { name: 'https://r.example.com/hook' }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Resend' }).count()).toBe(0);
    await screenshot(page, 'portal-read-only');
  });
});
