import { NotFoundError } from '../../domain/errors.js';
import type { IdempotentResponse } from '../../domain/types.js';
import { idempotencyInProgressTtlMs, type IdempotencyBeginResult } from '../driver.js';
import { Db } from './db.js';

interface BeginRow {
  taken: boolean;
  state: 'in-progress' | 'done' | null;
  status_code: number | null;
  body: string | null;
  content_type: string | null;
}

/**
 * `Idempotency-Key` bookkeeping, with the SQLite driver's rules: a key older than
 * `expiresBefore` is taken over as if absent, whatever its state, and so is a key in progress for
 * longer than `idempotencyInProgressTtlMs` (its request died in flight).
 *
 * Begin is one statement: the upsert takes the key when it is absent or may be taken over, and
 * the SELECT beside it reads the row as it was before (same snapshot), which is the answer when
 * the key was not taken. A key inserted by a concurrent request that committed after this
 * statement's snapshot is neither taken (the upsert saw the conflict) nor visible: that request
 * holds it, so the answer is in-progress.
 */
export function idempotencyStatements(db: Db) {
  const begin = Db.statement(
    'idempotency_begin',
    `WITH taken AS (
       INSERT INTO idempotency_keys AS k (key, state, status_code, body, content_type, created_at) VALUES ($1, 'in-progress', NULL, NULL, NULL, $2)
       ON CONFLICT (key) DO UPDATE SET state = 'in-progress', status_code = NULL, body = NULL, content_type = NULL, created_at = excluded.created_at
       WHERE k.created_at < $3 OR (k.state = 'in-progress' AND k.created_at < $4)
       RETURNING 1
     )
     SELECT EXISTS (SELECT 1 FROM taken) AS taken, k.state, k.status_code, k.body, k.content_type
     FROM (SELECT 1) AS one LEFT JOIN idempotency_keys k ON k.key = $1`,
  );
  const complete = Db.statement('idempotency_complete', "UPDATE idempotency_keys SET state = 'done', status_code = $2, body = $3, content_type = $4 WHERE key = $1");
  const abandon = Db.statement('idempotency_abandon', "DELETE FROM idempotency_keys WHERE key = $1 AND state = 'in-progress'");

  return {
    async idempotencyBegin(p: { key: string; now: Date; expiresBefore: Date }): Promise<IdempotencyBeginResult> {
      const staleBefore = new Date(p.now.getTime() - idempotencyInProgressTtlMs);
      const [row] = await db.rows<BeginRow>(begin, [p.key, p.now, p.expiresBefore, staleBefore]);
      if (row === undefined || row.taken) return { state: 'new' };
      if (row.state === 'done') {
        // A done row always has its answer (`idempotencyComplete` writes all three together).
        return { state: 'done', response: { statusCode: row.status_code as number, body: row.body as string, contentType: row.content_type } };
      }
      return { state: 'in-progress' };
    },
    async idempotencyComplete(p: { key: string; response: IdempotentResponse }): Promise<void> {
      const r = p.response;
      if ((await db.count(complete, [p.key, r.statusCode, r.body, r.contentType])) === 0) throw new NotFoundError('idempotency key not found');
    },
    /**
     * Frees a key whose request failed, so that a retry runs it again. Never throws for a key that
     * is gone: it runs on error paths, where a second error would hide the first.
     */
    async idempotencyAbandon(p: { key: string }): Promise<void> {
      await db.query(abandon, [p.key]);
    },
  };
}
