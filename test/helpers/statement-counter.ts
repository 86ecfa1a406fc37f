import pg from 'pg';

/**
 * Counts the SQL statements the PostgreSQL driver sends while `fn` runs: every `query` call of
 * every `pg` client in this process (the driver issues one per operation, so the count is the
 * round trips), or only those whose SQL text `match` accepts. Vitest runs each test file in its
 * own worker, so only this file's statements are seen; run nothing else against PostgreSQL
 * inside `fn`.
 */
export async function countPostgresStatements(fn: () => Promise<void>, match: (sql: string) => boolean = () => true): Promise<number> {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let count = 0;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const [config] = args;
    const sql = typeof config === 'string' ? config : String((config as { text?: unknown } | undefined)?.text ?? '');
    if (match(sql)) count++;
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    prototype.query = original;
  }
  return count;
}

/** For `countPostgresStatements`: everything but the wake-up NOTIFYs, which `src/store/postgres/wake-ups.test.ts` counts. */
export const exceptNotify = (sql: string): boolean => !sql.includes('pg_notify');
