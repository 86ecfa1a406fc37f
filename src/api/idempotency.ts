import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConflictError } from '../domain/errors.js';
import { hashToken } from '../domain/tokens.js';

/** Svix keeps idempotency keys for 24 hours. */
export const idempotencyWindowMsDefault = 24 * 60 * 60 * 1000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyScope: string | null;
  }
  interface FastifyContextConfig {
    /**
     * `false` for routes whose answer must not be stored: it carries a credential (a portal
     * token), and stored answers are plain text for 24 h. Such a route simply runs again.
     */
    idempotency?: boolean;
  }
}

/**
 * `Idempotency-Key` on POST: the first successful (2xx) answer for a key is stored and replayed
 * for the same caller, route and key within 24 h; a second request while the first is still
 * running gets 409, for at most `idempotencyInProgressTtlMs` (60 s; a key in progress longer than
 * that belonged to a request that died, and the next request takes it over). Error answers are
 * not stored, so a client can fix its request and retry with the same key. The svix SDK sends an
 * `auto_…` key on every POST, which this honours too.
 */
export function registerIdempotency(app: FastifyInstance, windowMs = idempotencyWindowMsDefault): void {
  app.decorateRequest('idempotencyScope', null);
  app.addHook('preHandler', async (request, reply) => {
    const scope = scopeOf(request);
    if (scope === null) return;
    const now = app.herald.clock.now();
    const begun = await app.herald.store.idempotencyBegin({ key: scope, now, expiresBefore: new Date(now.getTime() - windowMs) });
    if (begun.state === 'in-progress') throw new ConflictError('a request with this Idempotency-Key is still in progress');
    if (begun.state === 'done') {
      const { statusCode, contentType, body } = begun.response;
      if (contentType) reply.header('content-type', contentType);
      return reply.code(statusCode).header('idempotent-replayed', 'true').send(body === '' ? undefined : body);
    }
    request.idempotencyScope = scope;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyScope;
    if (key === null) return payload;
    request.idempotencyScope = null;
    const { store } = app.herald;
    // The work is done (a message may be on disk): failing to record the key must not turn this
    // answer into an error that invites a retry, so a bookkeeping failure is only logged.
    try {
      if (reply.statusCode >= 200 && reply.statusCode < 300 && (typeof payload === 'string' || payload === undefined || payload === null)) {
        const contentType = reply.getHeader('content-type');
        await store.idempotencyComplete({ key, response: { statusCode: reply.statusCode, body: payload ?? '', contentType: typeof contentType === 'string' ? contentType : null } });
      } else {
        await store.idempotencyAbandon({ key });
      }
    } catch (err) {
      request.log.warn({ err }, 'could not record the Idempotency-Key outcome');
    }
    return payload;
  });
}

function scopeOf(request: FastifyRequest): string | null {
  const key = request.headers['idempotency-key'];
  if (request.method !== 'POST' || typeof key !== 'string' || key === '') return null;
  if (request.routeOptions.config.idempotency === false) return null;
  const token = request.headers.authorization ?? '';
  return `${hashToken(token)}:${request.method} ${request.url}:${key}`;
}
