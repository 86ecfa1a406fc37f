import type { Database } from 'better-sqlite3';
import { idBound } from '../../domain/ids.js';
import { relaxedSync } from './relaxed-sync.js';

/**
 * Retention of payloads. Both statements reach the messages through `applications`, so each
 * application's part is a range seek in its own index (every index starts with `app_id`):
 * - by age: the (app_id, id) primary key, ids carrying their creation time; the caller narrows
 *   the range with `from` (what an earlier run already purged), so no run rescans old rows;
 * - by the message's own `payloadRetentionPeriod`: `messages_payload_expiry`, which holds only
 *   messages that set one, and which a purged row leaves (its expiry is cleared with its payload).
 * Commits are relaxed (`relaxed-sync.ts`): a purge lost to a power cut is redone by the next run.
 */
export function purgePayloadStatements(db: Database) {
  const byAge = db.prepare(
    `UPDATE messages SET payload = NULL, payload_expires_at = NULL WHERE rowid IN (
       SELECT m.rowid FROM applications a JOIN messages m ON m.app_id = a.id AND m.id >= ? AND m.id < ?
       WHERE m.payload IS NOT NULL AND (m.payload_expires_at IS NULL OR m.payload_expires_at <= ?) LIMIT ?)`,
  );
  const byOwnExpiry = db.prepare(
    `UPDATE messages SET payload = NULL, payload_expires_at = NULL WHERE rowid IN (
       SELECT m.rowid FROM applications a JOIN messages m ON m.app_id = a.id AND m.payload_expires_at <= ?
       WHERE m.payload_expires_at IS NOT NULL LIMIT ?)`,
  );
  const relaxed = relaxedSync(db);
  return {
    messagePurgePayloads: relaxed((p: { from: Date | null; before: Date; now: Date; limit: number }): number => {
      const from = p.from === null ? 'msg_' : idBound('msg', p.from, 'start');
      return byAge.run(from, idBound('msg', p.before, 'start'), p.now.getTime(), p.limit).changes;
    }),
    messagePurgeExpiredPayloads: relaxed((p: { now: Date; limit: number }): number => byOwnExpiry.run(p.now.getTime(), p.limit).changes),
  };
}
