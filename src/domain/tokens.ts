import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API tokens. Only their SHA-256 is stored: the tokens are 32 random bytes, so a fast hash is
 * enough (nothing to brute-force), and lookups by hash stay one index probe.
 */
export const adminTokenPrefix = 'herald_admin_';
export const portalTokenPrefix = 'herald_portal_';
export const adminTokenHashSetting = 'admin_token_sha256';

export function generateToken(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented token with a stored hash. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
