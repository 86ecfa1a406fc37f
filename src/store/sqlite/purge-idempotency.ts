import type { Database } from 'better-sqlite3';
import { relaxedSync } from './relaxed-sync.js';

/**
 * Expiry of `Idempotency-Key`s past their window (`idempotencyBegin` already ignores them; this
 * reclaims their rows, one per POST the svix SDK sends). Through `idempotency_keys_created`.
 */
export function purgeIdempotencyStatement(db: Database) {
  const purge = db.prepare('DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys WHERE created_at < ? LIMIT ?)');
  const relaxed = relaxedSync(db);
  return {
    idempotencyPurge: relaxed((p: { before: Date; limit: number }): number => purge.run(p.before.getTime(), p.limit).changes),
  };
}
