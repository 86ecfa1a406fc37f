import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../domain/errors.js';
import { hashToken, portalTokenPrefix } from '../../domain/tokens.js';
import { tokenCaller } from '../auth.js';
import { iso } from '../schemas.js';
import {
  assertSameOriginWrite,
  clearSessionCookie,
  decodeSession,
  requestCookies,
  sessionCookieNames,
  sessionSurfaces,
  sessionTtlMsDefault,
  setSessionCookie,
  type SessionClaims,
} from '../session.js';

/**
 * Browser sign-in (`session.ts` explains the cookies and the CSRF rule), outside `/api/v1` so
 * that no Bearer token is asked for:
 * - `POST /session/console {token}`: the admin token becomes a console session;
 * - `POST /session/portal {token}`: a portal link's token (`auth/app-portal-access`) becomes a
 *   session confined to its application, ending no later than the token;
 * - `GET /session/{surface}`: who the cookie says you are (401 without one);
 * - `DELETE /session/{surface}`: signs out (clears the cookie), 204.
 * The writes need `X-Herald-Session` like every cookie-authenticated write.
 */
const TokenIn = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) });
const SurfacePath = Type.Object({ surface: Type.Union(sessionSurfaces.map((s) => Type.Literal(s))) });

function sessionOut(claims: SessionClaims) {
  const { caller } = claims;
  return caller.kind === 'admin'
    ? { kind: 'admin', expiresAt: iso(claims.expiresAt) }
    : { kind: 'app', appId: caller.appId, readOnly: caller.readOnly, expiresAt: iso(claims.expiresAt) };
}

async function portalClaims(request: FastifyRequest, token: string): Promise<SessionClaims> {
  const { store, clock } = request.server.herald;
  const found = token.startsWith(portalTokenPrefix) ? await store.portalTokenGet({ tokenHash: hashToken(token), now: clock.now() }) : null;
  if (!found) throw new UnauthorizedError('this portal link is unknown or has expired; ask for a new one');
  const ends = Math.min(found.expiresAt.getTime(), clock.now().getTime() + sessionTtlMsDefault);
  return { caller: { kind: 'app', appId: found.appId, readOnly: found.readOnly }, expiresAt: new Date(ends) };
}

async function consoleClaims(request: FastifyRequest, token: string): Promise<SessionClaims> {
  const caller = await tokenCaller(request.server, token);
  if (caller.kind !== 'admin') throw new UnauthorizedError('the console takes the admin token; a portal token opens the portal link instead');
  return { caller, expiresAt: new Date(request.server.herald.clock.now().getTime() + sessionTtlMsDefault) };
}

export const sessionRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const signIn = { console: consoleClaims, portal: portalClaims };

  app.post('/session/:surface', { schema: { params: SurfacePath, body: TokenIn } }, async (request, reply) => {
    assertSameOriginWrite(request);
    const { surface } = request.params;
    const claims = await signIn[surface](request, request.body.token);
    await setSessionCookie(reply, surface, claims);
    return sessionOut(claims);
  });

  app.get('/session/:surface', { schema: { params: SurfacePath } }, async (request) => {
    const value = requestCookies(request).get(sessionCookieNames[request.params.surface]);
    const claims = value === undefined ? null : await decodeSession(app.herald, value);
    if (!claims) throw new UnauthorizedError('not signed in');
    return sessionOut(claims);
  });

  app.delete('/session/:surface', { schema: { params: SurfacePath } }, async (request, reply) => {
    assertSameOriginWrite(request);
    clearSessionCookie(reply, request.params.surface);
    return reply.code(204).send();
  });
};
