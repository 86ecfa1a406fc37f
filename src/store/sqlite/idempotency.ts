import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../domain/errors.js';
import type { IdempotentResponse } from '../../domain/types.js';
import { idempotencyInProgressTtlMs, type IdempotencyBeginResult } from '../driver.js';

interface KeyRow {
  state: 'in-progress' | 'done';
  status_code: number | null;
  body: string | null;
  content_type: string | null;
  created_at: number;
}

/**
 * `Idempotency-Key` bookkeeping. A key older than `expiresBefore` is taken over as if absent,
 * whatever its state, and so is a key in progress for longer than `idempotencyInProgressTtlMs`:
 * that frees a key whose request died in flight (the process was killed before it could complete
 * or abandon it) within a minute instead of a day.
 */
export function idempotencyStatements(db: Database) {
  const get = db.prepare('SELECT state, status_code, body, content_type, created_at FROM idempotency_keys WHERE key = ?');
  const take = db.prepare(
    `INSERT INTO idempotency_keys (key, state, status_code, body, content_type, created_at) VALUES (?, 'in-progress', NULL, NULL, NULL, ?)
     ON CONFLICT (key) DO UPDATE SET state = 'in-progress', status_code = NULL, body = NULL, content_type = NULL, created_at = excluded.created_at`,
  );
  const complete = db.prepare("UPDATE idempotency_keys SET state = 'done', status_code = ?, body = ?, content_type = ? WHERE key = ?");
  const abandon = db.prepare("DELETE FROM idempotency_keys WHERE key = ? AND state = 'in-progress'");

  const begin = db.transaction((p: { key: string; now: Date; expiresBefore: Date }): IdempotencyBeginResult => {
    const row = get.get(p.key) as KeyRow | undefined;
    if (row !== undefined && row.created_at >= p.expiresBefore.getTime()) {
      if (row.state === 'done') {
        // A done row always has its answer (`idempotencyComplete` writes all three together).
        return { state: 'done', response: { statusCode: row.status_code as number, body: row.body as string, contentType: row.content_type } };
      }
      if (row.created_at >= p.now.getTime() - idempotencyInProgressTtlMs) return { state: 'in-progress' };
    }
    take.run(p.key, p.now.getTime());
    return { state: 'new' };
  });

  return {
    idempotencyBegin(p: { key: string; now: Date; expiresBefore: Date }): IdempotencyBeginResult {
      return begin.immediate(p);
    },
    idempotencyComplete(p: { key: string; response: IdempotentResponse }): void {
      const r = p.response;
      if (complete.run(r.statusCode, r.body, r.contentType, p.key).changes === 0) throw new NotFoundError('idempotency key not found');
    },
    /**
     * Frees a key whose request failed, so that a retry runs it again. Never throws for a key that
     * is gone: it runs on error paths, where a second error would hide the first.
     */
    idempotencyAbandon(p: { key: string }): void {
      abandon.run(p.key);
    },
  };
}
