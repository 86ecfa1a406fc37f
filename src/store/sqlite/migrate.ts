import type { Database } from 'better-sqlite3';
import { migrations as allMigrations, type Migration } from './migrations.js';

/**
 * Applies the pending migrations at open, all in one IMMEDIATE transaction: either the schema
 * reaches the newest version or nothing changes. A second process opening the same file at the
 * same moment waits for the write lock, then finds the versions applied. Each bookkeeping row
 * goes in before its migration runs (graphile's row-first trick), so two migrators could never
 * both apply one version even without that lock. Forward only: a database newer than this build
 * is refused rather than guessed at.
 */
export function migrate(db: Database, migrations: readonly Migration[] = allMigrations): number {
  db.exec(`CREATE TABLE IF NOT EXISTS herald_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
  )`);
  const current = db.prepare('SELECT coalesce(max(version), 0) AS v FROM herald_migrations').pluck();
  const record = db.prepare('INSERT INTO herald_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);

  const apply = db.transaction(() => {
    const from = current.get() as number;
    if (from > newest) {
      throw new Error(`the database schema is at version ${from}, newer than this Herald (${newest}): run a newer Herald, or restore a backup`);
    }
    for (const m of migrations) {
      if (m.version <= from) continue;
      record.run(m.version, m.name, Date.now());
      db.exec(m.sql);
    }
  });
  apply.immediate();
  return current.get() as number;
}
