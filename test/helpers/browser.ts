import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/**
 * Browser tests drive Debian's Chromium (`apt-get install -y chromium`; `.ci/run` installs it)
 * through playwright-core, which downloads no browser of its own. One browser per test file;
 * each test opens its own context (own cookies). Playwright gives every launch a fresh temporary
 * profile (`--user-data-dir`) and removes it on close.
 *
 * Without Chromium the tests are skipped with the reason printed, except under `CI=true`, where
 * a missing browser fails the run: CI must never pass by testing nothing.
 */
export const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const screenshotDir = resolve(fileURLToPath(new URL('../../test-results/screenshots', import.meta.url)));

/** Why the browser tests cannot run here, or null when they can (or must, under CI). */
export function browserSkipReason(): string | null {
  if (existsSync(chromiumPath) || process.env.CI === 'true') return null;
  const reason = `browser tests skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium; under CI=true this fails instead)`;
  process.stderr.write(`${reason}\n`);
  return reason;
}

/** One headless Chromium for the `describe` block; read `.browser` inside tests. */
export function useBrowser() {
  const handle = { browser: undefined as unknown as Browser };
  beforeAll(async () => {
    if (!existsSync(chromiumPath)) throw new Error(`CI=true and no Chromium at ${chromiumPath}: install it with apt-get install -y chromium (.ci/run does)`);
    handle.browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  });
  afterAll(async () => {
    await handle.browser?.close();
  });
  return handle;
}

/** Saves a full-page screenshot under `test-results/screenshots/` (git-ignored) for people to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** A fresh context (own cookies) signed in to the console; returns its page, on Applications. */
export async function consolePage(browser: Browser, herald: { url: string; token: string }): Promise<Page> {
  const context = await browser.newContext({ baseURL: herald.url });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('Admin token').fill(herald.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Applications' }).waitFor();
  return page;
}
