import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../test/helpers/open-test-store.js';
import { StartupError, ensureAdminToken, loadMasterKey, lockDataDir } from './bootstrap.js';
import { loadConfig } from './config.js';
import type { Store } from './store/driver.js';
import { adminTokenHashSetting, tokenMatches } from './domain/tokens.js';

let dir: string;
let store: Store;
let closeStore: () => Promise<void>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-boot-'));
  ({ store, close: closeStore } = await openTestStore('sqlite'));
});
afterEach(async () => {
  await closeStore();
  rmSync(dir, { recursive: true, force: true });
});

describe('lockDataDir', () => {
  it('refuses a data dir locked by a live process', () => {
    writeFileSync(join(dir, 'herald.lock'), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(StartupError);
  });

  it('takes over a lock left by a process that is gone, and releases it', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, 'herald.lock'), String(dead));
    const unlock = lockDataDir(dir);
    expect(readFileSync(join(dir, 'herald.lock'), 'utf8')).toBe(String(process.pid));
    unlock();
    expect(existsSync(join(dir, 'herald.lock'))).toBe(false);
  });
});

describe('loadMasterKey', () => {
  const config = (env: Record<string, string> = {}) => loadConfig(env);

  it('generates a 0600 key file for a new database and reuses it after', async () => {
    const first = await loadMasterKey(config(), store, dir);
    expect(first).toHaveLength(32);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(await loadMasterKey(config(), store, dir)).toEqual(first);
  });

  it('refuses a key other than the one the secrets were sealed with', async () => {
    await loadMasterKey(config(), store, dir);
    await expect(loadMasterKey(config({ HERALD_MASTER_KEY: 'ab'.repeat(32) }), store, dir)).rejects.toThrow(/not the one/);
  });

  it('refuses to generate a new key when the database already has one', async () => {
    await loadMasterKey(config(), store, dir);
    rmSync(join(dir, 'master.key'));
    await expect(loadMasterKey(config(), store, dir)).rejects.toThrow(/missing/);
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
  });
});

describe('ensureAdminToken', () => {
  it('generates a token once, writes it 0600 and stores only its hash', async () => {
    const note = await ensureAdminToken(loadConfig({}), store, dir);
    const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    expect(note).toContain(token);
    expect(statSync(join(dir, 'admin-token')).mode & 0o777).toBe(0o600);
    const hash = (await store.settingGet({ key: adminTokenHashSetting }))!;
    expect(hash).not.toContain(token);
    expect(tokenMatches(token, hash)).toBe(true);
    expect(await ensureAdminToken(loadConfig({}), store, dir)).not.toContain(token);
  });

  it('replaces the stored hash with HERALD_ADMIN_TOKEN', async () => {
    await ensureAdminToken(loadConfig({}), store, dir);
    await ensureAdminToken(loadConfig({ HERALD_ADMIN_TOKEN: 'a-token-of-sixteen-chars' }), store, dir);
    expect(tokenMatches('a-token-of-sixteen-chars', (await store.settingGet({ key: adminTokenHashSetting }))!)).toBe(true);
  });
});
