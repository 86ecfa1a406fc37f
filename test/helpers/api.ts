import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, expect } from 'vitest';
import { buildApp, type HeraldApp } from '../../src/api/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clock } from '../../src/domain/clock.js';
import { SecretBox } from '../../src/domain/secrets.js';
import { adminTokenHashSetting, hashToken } from '../../src/domain/tokens.js';
import type { Store } from '../../src/store/driver.js';
import { openTestStore } from './open-test-store.js';

export const testAdminToken = 'herald_admin_test_token_0123456789';
export const testSecretBox = new SecretBox(Buffer.alloc(32, 7));

/** A clock that tests move by hand. */
export class FakeClock implements Clock {
  constructor(private ms = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestApi {
  app: HeraldApp;
  store: Store;
  config: Config;
  clock: Clock;
  /** Sends a request and asserts the status; returns the parsed JSON body (undefined when empty). */
  call<T = any>(method: InjectOptions['method'], url: string, expectStatus: number, body?: unknown, opts?: { token?: string | null; headers?: Record<string, string>; rawBody?: string }): Promise<T>;
  raw(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** How many times the API asked the dispatcher to wake up. */
  queuedSignals: () => number;
  close(): Promise<void>;
}

/** The real app on a real temporary store, driven in-process with `inject()`. */
export async function openTestApi(env: Record<string, string> = {}, clock: Clock = new FakeClock()): Promise<TestApi> {
  const { store, close } = await openTestStore('sqlite');
  const config = loadConfig({ HERALD_ADMIN_TOKEN: testAdminToken, HERALD_LOG_LEVEL: 'silent', ...env });
  await store.settingPut({ key: adminTokenHashSetting, value: hashToken(testAdminToken) });
  let signals = 0;
  const app = buildApp({ config, store, clock, secretBox: testSecretBox, onDeliveriesQueued: () => void signals++ });
  await app.ready();
  const raw = (options: InjectOptions) => app.inject(options);
  const call: TestApi['call'] = async (method, url, expectStatus, body, opts = {}) => {
    const token = opts.token === undefined ? testAdminToken : opts.token;
    const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...opts.headers };
    const payload = opts.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await app.inject({ method, url, headers, payload });
    expect(res.statusCode, `${method} ${url} answered ${res.statusCode}: ${res.body}`).toBe(expectStatus);
    return (res.body === "" ? undefined : res.json()) as never;
  };
  return {
    app,
    store,
    config,
    clock,
    call,
    raw,
    queuedSignals: () => signals,
    close: async () => {
      await app.close();
      await close();
    },
  };
}

/**
 * A fresh `openTestApi` on its own `FakeClock` for every test of the file (or `describe` block),
 * closed after it. Read `t.api` and `t.clock` inside tests.
 */
export function useTestApi(env: Record<string, string> = {}) {
  const t = { api: undefined as unknown as TestApi, clock: undefined as unknown as FakeClock };
  beforeEach(async () => {
    t.clock = new FakeClock();
    t.api = await openTestApi(env, t.clock);
  });
  afterEach(async () => {
    await t.api?.close();
  });
  return t;
}
