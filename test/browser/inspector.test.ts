import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { browserSkipReason, consolePage, screenshot, useBrowser } from '../helpers/browser.js';
import { call, useHerald } from '../helpers/server.js';

const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

describe.skipIf(browserSkipReason() !== null)('request inspector in Chromium', () => {
  const e2e = useHerald();
  const b = useBrowser();

  it('shows requests live with their verdicts: a delivery from Herald verifies, a forged one does not', async () => {
    const page = await consolePage(b.browser, e2e.herald);
    await page.getByRole('link', { name: 'Request inspector' }).click();
    await page.getByText('No bins yet').waitFor();
    await page.getByLabel('Name').fill('staging receiver');
    await page.getByLabel('Secret (optional)').fill(secret);
    await page.getByRole('button', { name: 'Create bin' }).click();
    await page.getByText('(live)').waitFor();
    const binUrl = await page.getByLabel('Bin URL').inputValue();

    const app = (await call(e2e.herald, 'POST', '/app', { body: { name: 'inspected' } })).json;
    await call(e2e.herald, 'POST', `/app/${app.id}/endpoint`, { body: { url: binUrl, secret } });
    await call(e2e.herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'invoice.paid', payload: { amount: 42 } } });
    await page.getByText('signature verified').waitFor({ timeout: 15_000 });

    const body = '{"amount":42}';
    const ts = String(Math.floor(Date.now() / 1000));
    const forged = createHmac('sha256', Buffer.from('c29tZW9uZSBlbHNl', 'base64')).update(`msg_x.${ts}.${body}`).digest('base64');
    const res = await fetch(binUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', 'webhook-id': 'msg_x', 'webhook-timestamp': ts, 'webhook-signature': `v1,${forged}` } });
    expect(res.status).toBe(200);
    await page.getByText('signature invalid').waitFor();
    await page.getByText('signature invalid').click();
    await page.getByText(/signature mismatch/).waitFor();
    await screenshot(page, 'inspector');
  });
});
