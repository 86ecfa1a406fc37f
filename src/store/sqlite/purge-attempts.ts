import type { Database } from 'better-sqlite3';
import { idBound } from '../../domain/ids.js';
import { relaxedSync } from './relaxed-sync.js';

/**
 * Retention of attempts: per application a range of the (app_id, id) primary key, attempt ids
 * carrying their time; deleted rows are gone, so no run rescans them. Relaxed commits, as the
 * payload purge's.
 */
export function purgeAttemptsStatement(db: Database) {
  const purge = db.prepare(
    'DELETE FROM attempts WHERE rowid IN (SELECT t.rowid FROM applications a JOIN attempts t ON t.app_id = a.id AND t.id < ? LIMIT ?)',
  );
  const relaxed = relaxedSync(db);
  return {
    attemptPurge: relaxed((p: { before: Date; limit: number }): number => purge.run(idBound('atmpt', p.before, 'start'), p.limit).changes),
  };
}
