import pg from 'pg';

/**
 * Counts the SQL statements the PostgreSQL driver sends while `fn` runs: every `query` call of
 * every `pg` client in this process (the driver issues one per operation, so the count is the
 * round trips). Vitest runs each test file in its own worker, so only this file's statements are
 * seen; run nothing else against PostgreSQL inside `fn`.
 */
export async function countPostgresStatements(fn: () => Promise<void>): Promise<number> {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let count = 0;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    prototype.query = original;
  }
  return count;
}
