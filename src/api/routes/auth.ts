import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { generateToken, hashToken, portalTokenPrefix } from '../../domain/tokens.js';
import { adminOnly } from '../lookup.js';
import { AppPath, Nullable } from '../schemas.js';
import { ApplicationIn, findOrPlanApp } from './application.js';

/** Svix: app-portal tokens live 1 hour to 7 days, 7 days unless asked otherwise. */
export const portalTokenExpirySecondsDefault = 604_800;

export const AppPortalAccessIn = Type.Object({
  application: Type.Optional(Nullable(ApplicationIn)),
  expiry: Type.Optional(Nullable(Type.Integer({ minimum: 3600, maximum: 604_800 }))),
  // A read-only token may read its app but not change it or read endpoint secrets (`src/api/auth.ts`).
  readOnly: Type.Optional(Nullable(Type.Boolean())),
  // Svix's finer-grained portal permissions (`ViewBase`, `ManageEndpoint`…): accepted for the
  // SDK's sake and ignored; a token has every capability of its app, or only reading (`readOnly`).
  capabilities: Type.Optional(Nullable(Type.Array(Type.String(), { uniqueItems: true }))),
  featureFlags: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 25, uniqueItems: true })),
  sessionId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9@_-]+$' }))),
});
export type AppPortalAccessIn = Static<typeof AppPortalAccessIn>;

export const AppPortalAccessOut = Type.Object({ url: Type.String({ format: 'uri' }), token: Type.String() });
export type AppPortalAccessOut = Static<typeof AppPortalAccessOut>;

/** Where links Herald hands out point: `HERALD_PUBLIC_URL`, else the scheme and Host of the request. */
export function publicBaseUrl(request: FastifyRequest): string {
  return request.server.herald.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

/** `/auth`: app-portal access for one application (admin token only). */
export const authRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store, clock } = app.herald;

  app.post(
    '/auth/app-portal-access/:app_id',
    // Not idempotent on purpose: a stored answer would keep the token in plain text for 24 h. A
    // retried request mints another token; the unused one expires.
    { onRequest: adminOnly, config: { idempotency: false }, schema: { params: AppPath, body: AppPortalAccessIn } },
    async (request): Promise<AppPortalAccessOut> => {
      const planned = await findOrPlanApp(request, request.params.app_id, request.body.application, ['body', 'application']);
      const target = planned.app ?? (await planned.create());
      const token = generateToken(portalTokenPrefix);
      const expirySeconds = request.body.expiry ?? portalTokenExpirySecondsDefault;
      const expiresAt = new Date(clock.now().getTime() + expirySeconds * 1000);
      await store.portalTokenInsert({ tokenHash: hashToken(token), appId: target.id, expiresAt, readOnly: request.body.readOnly ?? false });
      // The token rides in the fragment, which browsers never send to a server or a log.
      return { url: `${publicBaseUrl(request)}/portal#token=${token}`, token };
    },
  );
};
