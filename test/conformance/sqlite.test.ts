import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/domain/errors.js';
import { newId } from '../../src/domain/ids.js';
import type { Store } from '../../src/store/driver.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { insertApp, insertEndpoint, insertMessage, message, tick } from '../helpers/factory.js';
import { openTestStore } from '../helpers/open-test-store.js';
import { runStoreConformance } from './index.js';
import { expectedSchemaVersion } from './migrations.js';

runStoreConformance({ name: 'sqlite', open: () => openTestStore('sqlite') });

/** What only the SQLite driver promises: the file on disk, its modes, its group commit. */
describe('sqlite driver', () => {
  let dir: string;
  let path: string;
  const opened: Store[] = [];
  const open = async (p = path) => {
    const store = await openSqliteStore({ path: p });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
    path = join(dir, 'herald.db');
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an accepted message is in the file: a second connection and a crash image both read it', async () => {
    const store = await open();
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [ep.id]);

    // The first connection stays open, as in a process killed mid-run: copy the database and its
    // WAL without the shared-memory index, the state a kill -9 leaves, and recover from it.
    const crashDir = mkdtempSync(join(tmpdir(), 'herald-crash-'));
    try {
      copyFileSync(path, join(crashDir, 'herald.db'));
      copyFileSync(`${path}-wal`, join(crashDir, 'herald.db-wal'));
      const recovered = await open(join(crashDir, 'herald.db'));
      expect(await recovered.messageGet({ appId: a.id, idOrEventId: m.id })).toEqual(m);
      expect(await recovered.deliveryListByMessage({ appId: a.id, msgId: m.id })).toHaveLength(1);
      await recovered.close();
    } finally {
      rmSync(crashDir, { recursive: true, force: true });
    }

    const second = await open();
    expect(await second.messageGet({ appId: a.id, idOrEventId: m.id })).toEqual(m);
  });

  it('ownsDelivery returns every sending delivery to the queue and drops held idempotency keys at open', async () => {
    const store = await open();
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [ep.id]);
    const now = new Date();
    expect(await store.deliveryClaimDue({ now, limit: 10, leaseMs: 120_000, perEndpointLimit: 10, skipEndpointIds: [] })).toHaveLength(1);
    await store.close();

    const bystander = await open();
    const [stillSending] = await bystander.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(stillSending!.status).toBe(3);
    expect(await bystander.idempotencyBegin({ key: 'k', now, expiresBefore: new Date(0) })).toEqual({ state: 'new' });
    expect(await bystander.idempotencyBegin({ key: 'k', now, expiresBefore: new Date(0) })).toEqual({ state: 'in-progress' });
    await bystander.close();

    const owner = await openSqliteStore({ path, ownsDelivery: true });
    opened.push(owner);
    const [released] = await owner.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(released!.status).toBe(1);
    // ... and no Idempotency-Key is still held by a request of the dead process.
    expect(await owner.idempotencyBegin({ key: 'k', now, expiresBefore: new Date(0) })).toEqual({ state: 'new' });
    expect(await owner.deliveryClaimDue({ now, limit: 10, leaseMs: 120_000, perEndpointLimit: 10, skipEndpointIds: [] })).toHaveLength(1);
  });

  it('close writes the inserts still queued for the group commit', async () => {
    const store = await open();
    const a = await insertApp(store);
    const m = message(a.id);
    const pending = store.messageInsert({ items: [{ message: m, endpointIds: [] }], now: tick() });
    await store.close();
    await expect(pending).resolves.toBeUndefined();
    const reopened = await open();
    expect(await reopened.messageGet({ appId: a.id, idOrEventId: m.id })).toEqual(m);
  });

  it('concurrent inserts share one commit', async () => {
    const store = await open();
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const walBytes = () => statSync(`${path}-wal`).size;
    const batch = () => Array.from({ length: 20 }, () => ({ message: message(a.id), endpointIds: [ep.id] }));

    // Every commit appends each page it changed to the WAL: 20 commits write about 20 times the
    // frames of one. (The WAL stays far below the 1,000-page auto-checkpoint, so it only grows.)
    const start = walBytes();
    await Promise.all(batch().map((item) => store.messageInsert({ items: [item], now: tick() })));
    const together = walBytes() - start;
    for (const item of batch()) await store.messageInsert({ items: [item], now: tick() });
    const oneByOne = walBytes() - start - together;
    expect(together * 5).toBeLessThan(oneByOne);
    expect((await store.messageList({ appId: a.id, limit: 100 })).data).toHaveLength(40);
  });

  it('uses WAL mode, and reopening keeps the data without migrating again', async () => {
    const store = await open();
    const a = await insertApp(store);
    await store.close();

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT count(*) FROM herald_migrations').pluck().get()).toBe(expectedSchemaVersion);
    } finally {
      raw.close();
    }
    const reopened = await open();
    expect(await reopened.schemaVersion()).toBe(expectedSchemaVersion);
    expect(await reopened.applicationGet({ idOrUid: a.id })).toEqual(a);
  });

  it('refuses a database migrated by a newer Herald', async () => {
    await (await open()).close();
    const raw = new Database(path);
    raw.prepare('INSERT INTO herald_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('from-the-future');
    raw.close();
    await expect(openSqliteStore({ path })).rejects.toThrow(/newer/);
  });

  it('rejects calls with UnavailableError once closed', async () => {
    const store = await open();
    await store.close();
    await expect(store.applicationList({ limit: 10 })).rejects.toBeInstanceOf(UnavailableError);
    const m = message(newId('app'));
    await expect(store.messageInsert({ items: [{ message: m, endpointIds: [] }], now: tick() })).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.close()).resolves.toBeUndefined();
  });
});
