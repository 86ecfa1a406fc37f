import type { FastifyRequest } from 'fastify';
import { ForbiddenError, NotFoundError } from '../domain/errors.js';
import type { Application, Endpoint, Message } from '../domain/types.js';
import { isOperationalApp } from '../operational/publisher.js';

/**
 * Loads the objects a route works on, by id or uid, and confines app-portal callers to their own
 * application. A portal token asking for another app gets 404, never a hint that it exists.
 */
export async function findApp(request: FastifyRequest, idOrUid: string): Promise<Application> {
  const app = await request.server.herald.store.applicationGet({ idOrUid });
  // The internal application behind operational webhooks has its own routes (`operational-webhook.ts`).
  if (!app || isOperationalApp(app.id) || (request.caller.kind === 'app' && request.caller.appId !== app.id)) {
    throw new NotFoundError(`application ${idOrUid} not found`);
  }
  return app;
}

export async function findEndpoint(request: FastifyRequest, app: Application, idOrUid: string): Promise<Endpoint> {
  const endpoint = await request.server.herald.store.endpointGet({ appId: app.id, idOrUid });
  if (!endpoint) throw new NotFoundError(`endpoint ${idOrUid} not found`);
  return endpoint;
}

export async function findMessage(request: FastifyRequest, app: Application, idOrEventId: string): Promise<Message> {
  const message = await request.server.herald.store.messageGet({ appId: app.id, idOrEventId });
  if (!message) throw new NotFoundError(`message ${idOrEventId} not found`);
  return message;
}

/** Routes that only the organisation may call. */
export function assertAdmin(request: FastifyRequest): void {
  if (request.caller.kind !== 'admin') throw new ForbiddenError('this route needs the organisation token');
}

/**
 * `assertAdmin` as a route `onRequest` hook: it runs right after authentication, before the body
 * is read or validated, so a portal token on an org route gets 403 whatever it sent.
 */
export async function adminOnly(request: FastifyRequest): Promise<void> {
  assertAdmin(request);
}
