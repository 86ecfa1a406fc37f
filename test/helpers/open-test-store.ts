import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/driver.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';

export type StoreKind = 'sqlite' | 'postgres';

export interface TestStore {
  store: Store;
  /** Closes the store and drops what it stored (the temp file, later the PostgreSQL schema). */
  close(): Promise<void>;
}

/** A fresh, migrated store on real parts: one per test or per file, never shared between files. */
export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  switch (kind) {
    case 'sqlite':
      return openSqliteTestStore();
    case 'postgres':
      // A later issue adds the driver: a `herald_test_<random>` schema, dropped on close.
      throw new Error('openTestStore: the PostgreSQL store is not implemented yet');
  }
}

/** A temp directory per store, so that the WAL and shared-memory files go with it. */
async function openSqliteTestStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-test-'));
  try {
    const store = await openSqliteStore({ path: join(dir, 'herald.db') });
    return {
      store,
      close: async () => {
        try {
          await store.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
