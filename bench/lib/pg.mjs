import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh PostgreSQL database per run on the local server (127.0.0.1:5432, user postgres, trust
 * authentication; `BENCH_PG_URL` overrides the server's maintenance URL), dropped afterwards.
 *
 *   const db = await createDatabase('herald');  // db.url: postgres://…/bench_herald_…
 *   …
 *   await db.drop();                              // WITH (FORCE): ends leftover connections
 */
const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createDatabase(label) {
  const name = `bench_${label}_${Date.now()}_${randomBytes(3).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs `fn(db)` with a fresh database and drops it afterwards, whatever happens. */
export async function withDatabase(label, fn) {
  const db = await createDatabase(label);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}
