import type pg from 'pg';
import { migrations as allMigrations, type Migration } from './migrations.js';

/**
 * Applies the pending migrations at open, all in one transaction: either the schema reaches the
 * newest version or nothing changes (PostgreSQL DDL is transactional).
 *
 * Several processes may start at once against one database (DESIGN §6 scale-out). The first
 * statement of the transaction takes `pg_advisory_xact_lock` on a key made from the schema name:
 * the others wait there, then find the versions applied and commit nothing. The lock also covers
 * `CREATE SCHEMA/TABLE IF NOT EXISTS`, which are not safe against each other without it (both
 * can pass the check and one then fails on the catalog's unique index). It is released by the
 * COMMIT or ROLLBACK, so a migrator killed mid-way holds nothing. Each bookkeeping row goes in
 * before its migration runs (graphile's row-first trick), so two migrators could never both apply
 * one version even without the lock. Forward only: a database newer than this build is refused
 * rather than guessed at.
 *
 * Statements: 5 (6 with a schema option) plus 2 per pending migration, once per process start.
 */
export async function migrate(client: pg.ClientBase, schema: string | null, migrations: readonly Migration[] = allMigrations): Promise<number> {
  const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('herald.migrate'), hashtext(coalesce($1::text, current_schema(), '')))", [schema]);
    if (schema !== null) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS herald_migrations (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      applied_at  timestamptz NOT NULL
    )`);
    const { rows } = await client.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM herald_migrations');
    const from = rows[0]!.v;
    if (from > newest) {
      throw new Error(`the database schema is at version ${from}, newer than this Herald (${newest}): run a newer Herald, or restore a backup`);
    }
    for (const m of migrations) {
      if (m.version <= from) continue;
      await client.query('INSERT INTO herald_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
      await client.query(m.sql);
    }
    await client.query('COMMIT');
    return Math.max(from, newest);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      // The connection is gone: the server rolls back by itself.
    });
    throw err;
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
