import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { isId, newId } from '../../domain/ids.js';
import type { Application } from '../../domain/types.js';
import { isOperationalApp } from '../../operational/publisher.js';
import { adminOnly, findApp } from '../lookup.js';
import { ListQuery, listParams, listResponse } from '../paging.js';
import { AppPath, assertPathUid, assertUidNotId, DateTime, iso, Name, Nullable, StringMap, Uid } from '../schemas.js';

/** Svix's uint16 rate (messages per second); `ApplicationIn` wants ≥ 1, the patch allows 0. */
const appRate = (minimum: 0 | 1) => Type.Optional(Nullable(Type.Integer({ minimum, maximum: 65535 })));

/**
 * `rateLimit` is Svix's deprecated name for `throttleRate`; Herald keeps one value, takes either
 * (`throttleRate` wins when both are sent) and answers both.
 */
export const ApplicationIn = Type.Object({
  name: Name,
  rateLimit: appRate(1),
  throttleRate: appRate(1),
  uid: Type.Optional(Nullable(Uid)),
  metadata: Type.Optional(StringMap),
});
export type ApplicationIn = Static<typeof ApplicationIn>;

/** `ApplicationIn` with every field optional, and a rate of 0 allowed. */
export const ApplicationPatch = Type.Object({
  ...Type.Partial(ApplicationIn).properties,
  rateLimit: appRate(0),
  throttleRate: appRate(0),
});
export type ApplicationPatch = Static<typeof ApplicationPatch>;

export const ApplicationOut = Type.Object({
  id: Type.String(),
  uid: Nullable(Type.String()),
  name: Type.String(),
  rateLimit: Nullable(Type.Integer()),
  throttleRate: Nullable(Type.Integer()),
  metadata: StringMap,
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type ApplicationOut = Static<typeof ApplicationOut>;

export function applicationOut(app: Application): ApplicationOut {
  return {
    id: app.id,
    uid: app.uid,
    name: app.name,
    rateLimit: app.rateLimit,
    throttleRate: app.rateLimit,
    metadata: app.metadata,
    createdAt: iso(app.createdAt),
    updatedAt: iso(app.updatedAt),
  };
}

const AppListQuery = Type.Composite([
  ListQuery,
  Type.Object({
    // Accepted for the SDK's sake and ignored: Herald lists every application (see the report).
    exclude_apps_with_no_endpoints: Type.Optional(Type.Boolean()),
    exclude_apps_with_disabled_endpoints: Type.Optional(Type.Boolean()),
    exclude_apps_with_svix_play_endpoints: Type.Optional(Type.Boolean()),
  }),
]);
const AppCreateQuery = Type.Object({ get_if_exists: Type.Boolean({ default: false }) });

function rateOf(input: { rateLimit?: number | null; throttleRate?: number | null }): number | null | undefined {
  if (input.throttleRate !== undefined) return input.throttleRate;
  return input.rateLimit;
}

/**
 * Creates an application from an `ApplicationIn`. Also used where Svix creates the app on the
 * side (`MessageIn.application`, `AppPortalAccessIn.application`); `uidFallback` is then the id
 * or uid from the path, which becomes the uid when the body names none.
 * A concurrent create of the same uid that wins the race is returned rather than failed when
 * `getIfExists` is set.
 */
export async function createApplication(
  request: FastifyRequest,
  input: ApplicationIn,
  opts: { uidFallback?: string; getIfExists?: boolean; loc?: string[] } = {},
): Promise<{ app: Application; created: boolean }> {
  const { store, clock } = request.server.herald;
  const loc = opts.loc ?? ['body'];
  const uid = input.uid ?? opts.uidFallback ?? null;
  assertUidNotId('app', uid, [...loc, 'uid']);
  if (opts.getIfExists && uid !== null) {
    const existing = await store.applicationGet({ idOrUid: uid });
    if (existing && existing.uid === uid) return { app: existing, created: false };
  }
  const now = clock.now();
  const app: Application = {
    id: newId('app', now),
    uid,
    name: input.name,
    rateLimit: rateOf(input) ?? null,
    metadata: input.metadata ?? {},
    createdAt: now,
    updatedAt: now,
  };
  try {
    await store.applicationInsert(app);
  } catch (err) {
    if (err instanceof ConflictError && uid !== null) {
      if (opts.getIfExists) {
        const existing = await store.applicationGet({ idOrUid: uid });
        if (existing) return { app: existing, created: false };
      }
      throw new ConflictError(`an application with uid "${uid}" already exists`);
    }
    throw err;
  }
  return { app, created: true };
}

/** The application a request names: found, or checked and ready to be created. */
export type AppTarget = { app: Application; create?: never } | { app?: never; create: () => Promise<Application> };

/**
 * Finds the application in the path, or checks that it may be created from the body's optional
 * `application` field (Svix's `MessageIn.application` and `AppPortalAccessIn.application`) and
 * returns a `create` to call once everything else in the request has been validated, so that a
 * request refused later leaves no application behind. Creating needs the admin token and a path
 * that is a valid uid: Herald cannot create an app with a chosen id, so an unknown `app_…` id
 * stays 404. A body uid that differs from the path's is 422.
 */
export async function findOrPlanApp(request: FastifyRequest, idOrUid: string, input: ApplicationIn | null | undefined, loc: string[]): Promise<AppTarget> {
  try {
    return { app: await findApp(request, idOrUid) };
  } catch (err) {
    if (!(err instanceof NotFoundError) || !input || request.caller.kind !== 'admin' || isId('app', idOrUid)) throw err;
    assertPathUid('app', idOrUid, ['path', 'app_id']);
    if (input.uid != null && input.uid !== idOrUid) {
      throw ValidationError.field([...loc, 'uid'], `must be the application uid in the path ("${idOrUid}") when the application is created`, 'value_error.uid');
    }
    return { create: async () => (await createApplication(request, input, { uidFallback: idOrUid, getIfExists: true, loc })).app };
  }
}

/** `/app`: the organisation's applications (Svix `v1.application.*`). */
export const applicationRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store, clock } = app.herald;

  app.get('/app', { onRequest: adminOnly, schema: { querystring: AppListQuery } }, async (request) => {
    const page = await store.applicationList(listParams(request.query, 'ascending'));
    // The internal application behind operational webhooks is not the organisation's to see.
    return listResponse({ ...page, data: page.data.filter((a) => !isOperationalApp(a.id)) }, applicationOut);
  });

  app.post('/app', { onRequest: adminOnly, schema: { querystring: AppCreateQuery, body: ApplicationIn } }, async (request, reply) => {
    const { app: created, created: isNew } = await createApplication(request, request.body, { getIfExists: request.query.get_if_exists });
    return reply.code(isNew ? 201 : 200).send(applicationOut(created));
  });

  app.get('/app/:app_id', { schema: { params: AppPath } }, async (request) => {
    return applicationOut(await findApp(request, request.params.app_id));
  });

  // PUT updates, or creates the app when the path names none (Svix answers 201 then). Herald
  // cannot create an app with a chosen id, so an unknown `app_…` id is 404; an unknown uid
  // becomes the new app's uid unless the body names another.
  app.put('/app/:app_id', { onRequest: adminOnly, schema: { params: AppPath, body: ApplicationIn } }, async (request, reply) => {
    const { app_id } = request.params;
    const body = request.body;
    const existing = await store.applicationGet({ idOrUid: app_id });
    if (!existing) {
      if (isId('app', app_id)) throw new NotFoundError(`application ${app_id} not found`);
      assertPathUid('app', app_id, ['path', 'app_id']);
      const { app: created } = await createApplication(request, body, { uidFallback: app_id });
      return reply.code(201).send(applicationOut(created));
    }
    assertUidNotId('app', body.uid, ['body', 'uid']);
    const updated: Application = {
      ...existing,
      name: body.name,
      // An absent uid keeps the current one (the SDK omits undefined fields); null clears it.
      uid: body.uid === undefined ? existing.uid : body.uid,
      rateLimit: rateOf(body) ?? null,
      metadata: body.metadata ?? {},
      updatedAt: clock.now(),
    };
    await updateApplication(updated);
    return applicationOut(updated);
  });

  app.patch('/app/:app_id', { onRequest: adminOnly, schema: { params: AppPath, body: ApplicationPatch } }, async (request) => {
    const existing = await findApp(request, request.params.app_id);
    const body = request.body;
    assertUidNotId('app', body.uid, ['body', 'uid']);
    const rate = rateOf(body);
    const updated: Application = {
      ...existing,
      name: body.name ?? existing.name,
      uid: body.uid === undefined ? existing.uid : body.uid,
      rateLimit: rate === undefined ? existing.rateLimit : rate,
      metadata: body.metadata ?? existing.metadata,
      updatedAt: clock.now(),
    };
    await updateApplication(updated);
    return applicationOut(updated);
  });

  app.delete('/app/:app_id', { onRequest: adminOnly, schema: { params: AppPath } }, async (request, reply) => {
    const existing = await findApp(request, request.params.app_id);
    await store.applicationDelete({ id: existing.id });
    return reply.code(204).send();
  });

  async function updateApplication(updated: Application): Promise<void> {
    try {
      await store.applicationUpdate(updated);
    } catch (err) {
      if (err instanceof ConflictError) throw new ConflictError(`an application with uid "${updated.uid}" already exists`);
      throw err;
    }
  }
};
