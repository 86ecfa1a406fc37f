import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildApp, type HeraldApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/domain/clock.js';
import { adminTokenHashSetting, hashToken } from '../../src/domain/tokens.js';
import type { Store } from '../../src/store/driver.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { testAdminToken, testSecretBox } from './api.js';
import { openTestStore, type StoreKind } from './open-test-store.js';

/**
 * Herald's API on a real loopback socket, in-process, for the hostile-client tests: it lists the
 * routes it registered (so a new route is fuzzed without anyone adding it to a list) and, on
 * SQLite, hashes every table through a second, read-only connection (`snapshot()`), so a test can
 * prove that a refused request changed nothing. No dispatcher runs: nothing changes by itself.
 */
export interface RouteInfo {
  method: string;
  url: string;
}

export interface ListeningApi {
  url: string;
  token: string;
  routes: RouteInfo[];
  store: Store;
  /** A hash of every row of every table (SQLite only). */
  snapshot(): string;
  close(): Promise<void>;
}

export async function startListeningApi(kind: StoreKind = 'sqlite', env: Record<string, string> = {}): Promise<ListeningApi> {
  const opened = kind === 'sqlite' ? await openSnapshottableSqlite() : { ...(await openTestStore(kind)), snapshot: () => { throw new Error('snapshot(): SQLite only'); } };
  const config = loadConfig({ HERALD_ADMIN_TOKEN: testAdminToken, HERALD_LOG_LEVEL: 'silent', ...env });
  await opened.store.settingPut({ key: adminTokenHashSetting, value: hashToken(testAdminToken) });
  const app: HeraldApp = buildApp({ config, store: opened.store, clock: systemClock, secretBox: testSecretBox });
  const routes: RouteInfo[] = [];
  // Plugins register their routes during ready(), after this hook is in place.
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    token: testAdminToken,
    routes,
    store: opened.store,
    snapshot: opened.snapshot,
    close: async () => {
      await app.close();
      await opened.close();
    },
  };
}

async function openSnapshottableSqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'herald-fuzz-'));
  const path = join(dir, 'herald.db');
  const store = await openSqliteStore({ path });
  const reader = new Database(path, { readonly: true });
  const tables = (reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]).map(
    (name) => reader.prepare(`SELECT * FROM "${name}"`),
  );
  return {
    store,
    snapshot: () => {
      const hash = createHash('sha256');
      for (const select of tables) hash.update(JSON.stringify(select.raw().all(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
      return hash.digest('hex');
    },
    close: async () => {
      reader.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
