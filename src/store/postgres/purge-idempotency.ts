import { Db } from './db.js';

/** Expiry of `Idempotency-Key`s past their window, through `idempotency_keys_created`. */
export function purgeIdempotencyStatement(db: Db) {
  const purge = Db.statement(
    'idempotency_purge',
    'DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)',
  );
  return {
    idempotencyPurge(p: { before: Date; limit: number }): Promise<number> {
      return db.count(purge, [p.before, p.limit]);
    },
  };
}
