import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.js';
import { hashToken, portalTokenPrefix, tokenMatches } from '../domain/tokens.js';
import type { Caller } from './context.js';
import { adminTokenHash, sessionCaller } from './session.js';

const publicRoutes = new Set(['/api/v1/health']);
/** What a read-only portal token may do: read (HEAD is a GET without the body), but no `…/secret`. */
const readMethods = new Set(['GET', 'HEAD']);
const secretSuffix = '/secret';

/**
 * Bearer-token authentication for `/api/v1`: the admin token (compared in constant time with its
 * stored hash) or an app-portal token (looked up by hash, confined to one app); without an
 * `Authorization` header, a console or portal session cookie (`session.ts`, which also holds the
 * CSRF rule for cookie-authenticated writes). A read-only portal
 * token is refused (403) here, before the body is read, for anything but reading, and for
 * `GET …/endpoint/{ep}/secret`.
 */
export function registerAuth(app: FastifyInstance): void {
  app.decorateRequest('caller', null as never);
  app.addHook('onRequest', async (request) => {
    // Decide by the matched route, never by the raw URL: the router folds duplicate slashes, so
    // `//api/v1/event-type` reaches an API route while its URL does not start with `/api/`.
    const route = request.routeOptions.url;
    const path = route ?? request.url;
    if (!path.startsWith('/api/') || publicRoutes.has(path)) return;
    // A browser session (console or portal cookie, `session.ts`) stands in for a Bearer token.
    const session = request.headers.authorization === undefined ? await sessionCaller(request) : null;
    request.caller = session ?? (await tokenCaller(app, bearerToken(request)));
    const caller = request.caller;
    if (caller.kind === 'app' && caller.readOnly && (!readMethods.has(request.method) || path.endsWith(secretSuffix))) {
      throw new ForbiddenError('this app-portal token is read-only: it may read its application, but not change it or read endpoint secrets');
    }
  });
}

/** Who a Bearer token belongs to: an app-portal token (looked up by hash) or the admin token. */
export async function tokenCaller(app: FastifyInstance, token: string): Promise<Caller> {
  const { store, clock } = app.herald;
  if (token.startsWith(portalTokenPrefix)) {
    const found = await store.portalTokenGet({ tokenHash: hashToken(token), now: clock.now() });
    if (!found) throw new UnauthorizedError('the app-portal token is unknown or expired');
    return { kind: 'app', appId: found.appId, readOnly: found.readOnly };
  }
  const adminHash = await adminTokenHash(app.herald);
  if (adminHash === null || !tokenMatches(token, adminHash)) throw new UnauthorizedError('invalid token');
  return { kind: 'admin' };
}

export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) throw new UnauthorizedError('missing Authorization header: send "Authorization: Bearer <token>"');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
  return match[1]!;
}

