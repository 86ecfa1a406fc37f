import type { Database } from 'better-sqlite3';
import { relaxedSync } from './relaxed-sync.js';

/**
 * Retention of payloads by the message's own `payloadRetentionPeriod`: through `applications`
 * into `messages_payload_expiry`, which holds only messages that set one and which a purged row
 * leaves (its expiry is cleared with its payload). Relaxed commits, as `purge-payloads.ts`.
 */
export function purgeExpiredPayloadsStatement(db: Database) {
  const purge = db.prepare(
    `UPDATE messages SET payload = NULL, payload_expires_at = NULL WHERE rowid IN (
       SELECT m.rowid FROM applications a JOIN messages m ON m.app_id = a.id AND m.payload_expires_at <= ?
       WHERE m.payload_expires_at IS NOT NULL LIMIT ?)`,
  );
  const relaxed = relaxedSync(db);
  return {
    messagePurgeExpiredPayloads: relaxed((p: { now: Date; limit: number }): number => purge.run(p.now.getTime(), p.limit).changes),
  };
}
