import type { Id } from '../../domain/ids.js';
import type { PortalToken } from '../../domain/types.js';
import { Db } from './db.js';

/** App-portal tokens, stored by hash; they go with their application (ON DELETE CASCADE). */
export function portalTokenStatements(db: Db) {
  const insert = Db.statement('portal_token_insert', 'INSERT INTO portal_tokens (token_hash, app_id, expires_at, read_only) VALUES ($1, $2, $3, $4)');
  const get = Db.statement('portal_token_get', 'SELECT token_hash, app_id, expires_at, read_only FROM portal_tokens WHERE token_hash = $1 AND expires_at > $2');
  return {
    async portalTokenInsert(token: PortalToken): Promise<void> {
      await db.query(insert, [token.tokenHash, token.appId, token.expiresAt, token.readOnly]);
    },
    /** null once expired. */
    async portalTokenGet(p: { tokenHash: string; now: Date }): Promise<PortalToken | null> {
      const [row] = await db.rows<{ token_hash: string; app_id: string; expires_at: Date; read_only: boolean }>(get, [p.tokenHash, p.now]);
      return row === undefined ? null : { tokenHash: row.token_hash, appId: row.app_id as Id<'app'>, expiresAt: row.expires_at, readOnly: row.read_only };
    },
  };
}
