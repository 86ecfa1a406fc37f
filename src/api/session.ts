import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.js';
import { isId } from '../domain/ids.js';
import { adminTokenHashSetting } from '../domain/tokens.js';
import type { ApiDeps, Caller } from './context.js';

/**
 * Browser sessions for the console and the tenant portal: the admin token, or a portal link's
 * token, is exchanged once (`routes/session.ts`) for an HTTP-only, `SameSite=Strict` cookie, and
 * the API accepts that cookie where it accepts a Bearer token (`auth.ts`). No token ever sits in
 * the page's storage.
 *
 * The cookie is stateless: `v1.<claims>.<mac>`, the claims (who, which app, read-only, expiry) in
 * base64url JSON and an HMAC-SHA256 under a key derived from the master key, so every API process
 * sharing the master key accepts it and no session table is needed. A console session's MAC also
 * covers the admin token's hash, so replacing the admin token ends every console session. The
 * cost of statelessness: signing out clears the cookie in that browser only; a copied cookie
 * lives until it expires (12 h at most).
 *
 * CSRF: cookies are `SameSite=Strict`, so other sites' pages cannot send them at all; on top of
 * that a cookie-authenticated request that is not a read must carry `X-Herald-Session: console`
 * or `portal` (a custom header, which a cross-site form cannot send and cross-site `fetch` cannot
 * send without a CORS preflight that Herald never grants), and, when the browser sends `Origin`,
 * come from Herald's own origin. The header also says which of the two cookies a request means
 * when a browser holds both; a read without it uses the console cookie, else the portal one.
 */
export const sessionSurfaces = ['console', 'portal'] as const;
export type SessionSurface = (typeof sessionSurfaces)[number];
export const sessionHeader = 'x-herald-session';
export const sessionCookieNames: Readonly<Record<SessionSurface, string>> = { console: 'herald_console', portal: 'herald_portal' };
/** A working day; the admin token signs in again after it. */
export const sessionTtlMsDefault = 12 * 3600 * 1000;

export interface SessionClaims {
  caller: Caller;
  expiresAt: Date;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const macKeys = new WeakMap<ApiDeps, Buffer>();
const adminHashes = new WeakMap<ApiDeps, string>();

/** The stored hash of the admin token, read once per app (it changes only with a restart). */
export async function adminTokenHash(deps: ApiDeps): Promise<string | null> {
  const cached = adminHashes.get(deps);
  if (cached !== undefined) return cached;
  const hash = await deps.store.settingGet({ key: adminTokenHashSetting });
  if (hash !== null) adminHashes.set(deps, hash);
  return hash;
}

function macKey(deps: ApiDeps): Buffer {
  let key = macKeys.get(deps);
  if (!key) macKeys.set(deps, (key = deps.secretBox.deriveKey('session-cookie')));
  return key;
}

async function mac(deps: ApiDeps, claims: string, caller: Caller): Promise<Buffer> {
  const binding = caller.kind === 'admin' ? ((await adminTokenHash(deps)) ?? '') : '';
  return createHmac('sha256', macKey(deps)).update(claims).update('.').update(binding).digest();
}

export async function encodeSession(deps: ApiDeps, claims: SessionClaims): Promise<string> {
  const { caller, expiresAt } = claims;
  const body = caller.kind === 'admin' ? { k: 'admin', e: expiresAt.getTime() } : { k: 'app', a: caller.appId, r: caller.readOnly, e: expiresAt.getTime() };
  const text = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `v1.${text}.${(await mac(deps, text, caller)).toString('base64url')}`;
}

/** The claims of a cookie value, or null when it is malformed, forged or expired. */
export async function decodeSession(deps: ApiDeps, value: string): Promise<SessionClaims | null> {
  const [version, text, sig] = value.split('.');
  if (version !== 'v1' || !text || !sig) return null;
  const claims = parseClaims(text);
  if (!claims || claims.expiresAt <= deps.clock.now()) return null;
  const expected = await mac(deps, text, claims.caller);
  const given = Buffer.from(sig, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected) ? claims : null;
}

function parseClaims(text: string): SessionClaims | null {
  try {
    const raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { k?: unknown; a?: unknown; r?: unknown; e?: unknown };
    if (typeof raw.e !== 'number') return null;
    const expiresAt = new Date(raw.e);
    if (raw.k === 'admin') return { caller: { kind: 'admin' }, expiresAt };
    if (raw.k === 'app' && typeof raw.a === 'string' && isId('app', raw.a)) return { caller: { kind: 'app', appId: raw.a, readOnly: raw.r === true }, expiresAt };
    return null;
  } catch {
    return null;
  }
}

/** Cookies of the request by name (the first of a repeated name wins, as browsers order them). */
export function requestCookies(request: FastifyRequest): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, pair.slice(eq + 1).trim());
  }
  return out;
}

/** The surface a request names in `X-Herald-Session`, or null; an unknown name is 403. */
function namedSurface(request: FastifyRequest): SessionSurface | null {
  const value = request.headers[sessionHeader];
  if (value === undefined) return null;
  const surface = sessionSurfaces.find((s) => s === value);
  if (!surface) throw new ForbiddenError(`${sessionHeader} must be "console" or "portal"`);
  return surface;
}

/**
 * The CSRF rule for cookie-authenticated writes (and for the session routes themselves): the
 * custom header is required, and an `Origin` header, when sent, must be Herald's own origin.
 */
export function assertSameOriginWrite(request: FastifyRequest): SessionSurface | null {
  const surface = namedSurface(request);
  if (safeMethods.has(request.method)) return surface;
  if (surface === null) throw new ForbiddenError(`a write authenticated by a session cookie must send the ${sessionHeader} header (CSRF protection)`);
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedOrigins(request).has(origin)) throw new ForbiddenError(`requests from ${origin} may not use Herald's session cookie`);
  return surface;
}

function allowedOrigins(request: FastifyRequest): Set<string> {
  const own = `${request.protocol}://${request.host}`;
  const publicUrl = request.server.herald.config.publicUrl;
  return new Set(publicUrl ? [own, new URL(publicUrl).origin] : [own]);
}

/**
 * The caller a session cookie proves, or null when the request carries no session cookie (the
 * caller then needs a Bearer token). A cookie that does not verify is 401.
 */
export async function sessionCaller(request: FastifyRequest): Promise<Caller | null> {
  const cookies = requestCookies(request);
  if (!sessionSurfaces.some((s) => cookies.has(sessionCookieNames[s]))) return null;
  const named = assertSameOriginWrite(request);
  const surface = named ?? sessionSurfaces.find((s) => cookies.has(sessionCookieNames[s]));
  const value = surface === undefined ? undefined : cookies.get(sessionCookieNames[surface]);
  if (value === undefined) return null;
  const claims = await decodeSession(request.server.herald, value);
  if (!claims) throw new UnauthorizedError('the session has expired or is not valid; sign in again');
  return claims.caller;
}

export async function setSessionCookie(reply: FastifyReply, surface: SessionSurface, claims: SessionClaims): Promise<void> {
  const value = await encodeSession(reply.server.herald, claims);
  const maxAge = Math.max(0, Math.floor((claims.expiresAt.getTime() - reply.server.herald.clock.now().getTime()) / 1000));
  void reply.header('set-cookie', cookieText(reply.request, surface, value, maxAge));
}

export function clearSessionCookie(reply: FastifyReply, surface: SessionSurface): void {
  void reply.header('set-cookie', cookieText(reply.request, surface, '', 0));
}

function cookieText(request: FastifyRequest, surface: SessionSurface, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' || request.server.herald.config.publicUrl?.startsWith('https:') === true;
  return `${sessionCookieNames[surface]}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
