import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError, type ValidationItem } from '../../../domain/errors.js';
import { newId } from '../../../domain/ids.js';
import { validatePayloadFilter } from '../../../domain/matching.js';
import { literalUrlBlockedReason } from '../../../domain/network.js';
import type { Application, Endpoint } from '../../../domain/types.js';
import { getProfile, isReservedHeaderName, profileNameDefault, profileNames } from '../../../profiles/index.js';
import { endpointChangeEvents, endpointEvent } from '../../../operational/events.js';
import { findApp, findEndpoint } from '../../lookup.js';
import { publishOperational } from '../../operational.js';
import { ListQuery, listParams, listResponse } from '../../paging.js';
import { AppPath, assertPathUid, assertUidNotId, Channel, Description, EndpointPath, EventTypeName, iso, Nullable, RateLimit, StringMap, Uid } from '../../schemas.js';
import { headerProblems } from './headers.js';
import { EndpointSecret, rotatedSecrets, rotationGraceSecondsDefault, sealNewSecret, secretOrThrow } from './secret.js';

/**
 * Endpoint CRUD: `GET/POST /app/{app}/endpoint`, `GET/PUT/PATCH/DELETE …/endpoint/{ep}`.
 *
 * Wire shapes follow Svix's `EndpointIn`, `EndpointUpdate`, `EndpointPatch` and `EndpointOut`,
 * plus Herald's extensions (`profile`, `profileOptions`, `payloadFilter`, `timeoutMs`,
 * `retrySchedule`, `maxConcurrency`). Svix's `throttleRate` is accepted as another name for
 * `rateLimit` (the SDK sends either) and both are answered.
 *
 * Beyond the schemas, a write is checked against the world: the URL's scheme and, when its host is
 * a literal IP address, the private-network block (DESIGN §7); `filterTypes` must name existing,
 * unarchived event types; the profile must exist and accept `profileOptions`; `payloadFilter` may
 * use only the whitelisted operators; custom headers may not use reserved names. All problems of
 * one request come back together in one 422, and nothing is written.
 */

const Url = Type.String({ minLength: 1, maxLength: 65536 });
const FilterTypes = Type.Array(EventTypeName, { minItems: 1, uniqueItems: true });
const Channels = Type.Array(Channel, { minItems: 1, maxItems: 10, uniqueItems: true });
const Version = Type.Integer({ minimum: 1, maximum: 65535 });
const ProfileName = Type.String({ minLength: 1, maxLength: 64 });
const JsonObject = Type.Record(Type.String(), Type.Unknown());
const TimeoutMs = Nullable(Type.Integer({ minimum: 1000, maximum: 60_000 }));
const RetrySchedule = Nullable(Type.Array(Type.Integer({ minimum: 0, maximum: 86_400 }), { maxItems: 50 }));
const MaxConcurrency = Nullable(Type.Integer({ minimum: 1, maximum: 1000 }));

/** Herald's extension fields; on PUT, absent ones keep their value (Svix clients do not know them). */
const HeraldFields = {
  profile: Type.Optional(ProfileName),
  profileOptions: Type.Optional(JsonObject),
  payloadFilter: Type.Optional(Nullable(JsonObject)),
  timeoutMs: Type.Optional(TimeoutMs),
  retrySchedule: Type.Optional(RetrySchedule),
  maxConcurrency: Type.Optional(MaxConcurrency),
};

const SvixFields = {
  url: Url,
  description: Type.Optional(Description),
  uid: Type.Optional(Nullable(Uid)),
  version: Type.Optional(Nullable(Version)),
  disabled: Type.Optional(Type.Boolean()),
  filterTypes: Type.Optional(Nullable(FilterTypes)),
  channels: Type.Optional(Nullable(Channels)),
  rateLimit: Type.Optional(RateLimit),
  throttleRate: Type.Optional(RateLimit),
  metadata: Type.Optional(StringMap),
};

export const EndpointIn = Type.Object({
  ...SvixFields,
  secret: Type.Optional(Nullable(EndpointSecret)),
  headers: Type.Optional(Nullable(StringMap)),
  ...HeraldFields,
});
export type EndpointIn = Static<typeof EndpointIn>;

export const EndpointUpdate = Type.Object({ ...SvixFields, ...HeraldFields });
export type EndpointUpdate = Static<typeof EndpointUpdate>;

export const EndpointPatch = Type.Object({
  url: Type.Optional(Url),
  description: Type.Optional(Description),
  uid: Type.Optional(Nullable(Uid)),
  version: Type.Optional(Version),
  disabled: Type.Optional(Type.Boolean()),
  filterTypes: Type.Optional(Nullable(FilterTypes)),
  channels: Type.Optional(Nullable(Channels)),
  rateLimit: Type.Optional(RateLimit),
  throttleRate: Type.Optional(RateLimit),
  secret: Type.Optional(Nullable(EndpointSecret)),
  metadata: Type.Optional(StringMap),
  ...HeraldFields,
});
export type EndpointPatch = Static<typeof EndpointPatch>;

/** `EndpointOut` plus Herald's extensions. Headers and secrets have their own routes. */
export function endpointOut(e: Endpoint) {
  return {
    id: e.id,
    uid: e.uid,
    url: e.url,
    description: e.description,
    version: e.version,
    disabled: e.disabled,
    filterTypes: e.filterTypes,
    channels: e.channels,
    rateLimit: e.rateLimit,
    throttleRate: e.rateLimit,
    metadata: e.metadata,
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
    profile: e.profile,
    profileOptions: e.profileOptions,
    payloadFilter: e.payloadFilter,
    timeoutMs: e.timeoutMs,
    retrySchedule: e.retrySchedule,
    maxConcurrency: e.maxConcurrency,
  };
}

type Field = keyof Endpoint;

const endpointIdPrefix = 'ep_';

export function urlProblems(text: string, allowedNetworks: readonly string[]): ValidationItem[] {
  const loc = ['body', 'url'];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [{ loc, msg: 'not a valid absolute URL', type: 'value_error.url' }];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return [{ loc, msg: `endpoint URLs must use http: or https:, not ${url.protocol}`, type: 'value_error.url.scheme' }];
  }
  if (url.username !== '' || url.password !== '') {
    return [{ loc, msg: 'credentials in the URL are not allowed; set an Authorization header instead', type: 'value_error.url' }];
  }
  const blocked = literalUrlBlockedReason(url, allowedNetworks);
  if (blocked !== null) {
    return [{ loc, msg: blocked, type: 'value_error.url.blocked' }];
  }
  return [];
}

/**
 * Checks the fields of `endpoint` named in `touched` against the world and throws one 422 with
 * every problem. Only touched fields are judged, so that a PATCH of the description does not fail
 * because an event type named in an older filter was archived since.
 */
async function checkEndpoint(request: FastifyRequest, endpoint: Endpoint, touched: ReadonlySet<Field>): Promise<void> {
  const { store, config } = request.server.herald;
  const items: ValidationItem[] = [];
  if (touched.has('url')) items.push(...urlProblems(endpoint.url, config.allowedNetworks));
  if (touched.has('uid')) assertUidNotId('ep', endpoint.uid, ['body', 'uid']);
  if (touched.has('filterTypes') && endpoint.filterTypes !== null) {
    const existing = new Set(await store.eventTypeNamesExisting({ names: endpoint.filterTypes }));
    const missing = endpoint.filterTypes.filter((n) => !existing.has(n));
    if (missing.length > 0) {
      items.push({ loc: ['body', 'filterTypes'], msg: `these event types do not exist (or are archived): ${missing.join(', ')}`, type: 'value_error.filtertypes' });
    }
  }
  if (touched.has('profile') || touched.has('profileOptions')) {
    const profile = getProfile(endpoint.profile);
    if (!profile) {
      items.push({ loc: ['body', 'profile'], msg: `unknown profile "${endpoint.profile}"; known: ${profileNames().join(', ')}`, type: 'value_error.profile' });
    } else {
      items.push(...profile.validateOptions(endpoint.profileOptions));
    }
  }
  if (touched.has('payloadFilter') && endpoint.payloadFilter !== null) {
    try {
      validatePayloadFilter(endpoint.payloadFilter);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      items.push(...err.items);
    }
  }
  if (touched.has('headers')) {
    items.push(...headerProblems(endpoint.headers, ['body', 'headers'], endpoint.profile));
  } else if (touched.has('profile') && getProfile(endpoint.profile)) {
    // Custom headers that were fine under the old profile may be the new one's signature header.
    const clashes = Object.keys(endpoint.headers).filter((name) => isReservedHeaderName(name, endpoint.profile));
    if (clashes.length > 0) {
      items.push({ loc: ['body', 'profile'], msg: `the ${endpoint.profile} profile writes ${clashes.join(', ')} itself; remove that custom header first (…/headers)`, type: 'value_error.profile' });
    }
  }
  if (items.length > 0) throw new ValidationError(items);
}

/** The given secret, normalized, or a 422. */
const givenSecret = (secret: string | null | undefined): string | null => (secret == null ? null : secretOrThrow(secret, ['body', 'secret']));

const rateLimitOf = (body: { rateLimit?: number | null; throttleRate?: number | null }) =>
  body.throttleRate !== undefined ? body.throttleRate : body.rateLimit;

const allFields = new Set<Field>(['url', 'uid', 'filterTypes', 'profile', 'profileOptions', 'payloadFilter', 'headers']);

/** The Svix fields of a create or a PUT (but `uid`), absent optional ones taking their defaults. */
function svixFieldsOf(body: EndpointUpdate) {
  return {
    url: body.url,
    description: body.description ?? '',
    version: body.version ?? 1,
    disabled: body.disabled ?? false,
    filterTypes: body.filterTypes ?? null,
    channels: body.channels ?? null,
    rateLimit: rateLimitOf(body) ?? null,
    metadata: body.metadata ?? {},
  };
}

/** A new endpoint from `EndpointIn` (create) or `EndpointUpdate` (PUT of an unknown uid). */
export function newEndpoint(application: Application, body: EndpointIn, secret: string, now: Date): Endpoint {
  return {
    id: newId('ep', now),
    appId: application.id,
    uid: body.uid ?? null,
    ...svixFieldsOf(body),
    headers: body.headers ?? {},
    secrets: secret,
    profile: body.profile ?? profileNameDefault,
    profileOptions: body.profileOptions ?? {},
    payloadFilter: body.payloadFilter ?? null,
    timeoutMs: body.timeoutMs ?? null,
    retrySchedule: body.retrySchedule ?? null,
    maxConcurrency: body.maxConcurrency ?? null,
    createdAt: now,
    updatedAt: now,
  };
}

/** Herald fields present in a body, applied over `base`. */
function withHeraldFields(base: Endpoint, body: Partial<Record<keyof typeof HeraldFields, unknown>>, touched: Set<Field>): Endpoint {
  const next = { ...base };
  for (const key of Object.keys(HeraldFields) as (keyof typeof HeraldFields)[]) {
    if (body[key] !== undefined) {
      (next as Record<string, unknown>)[key] = body[key];
      touched.add(key);
    }
  }
  return next;
}

export const endpointCrudRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/app/:app_id/endpoint', { schema: { params: AppPath, querystring: ListQuery } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const page = await app.herald.store.endpointList({ ...listParams(request.query), appId: application.id });
    return listResponse(page, endpointOut);
  });

  app.post('/app/:app_id/endpoint', { schema: { params: AppPath, body: EndpointIn } }, async (request, reply) => {
    const { store, clock, secretBox } = app.herald;
    const application = await findApp(request, request.params.app_id);
    const secret = givenSecret(request.body.secret);
    const endpoint = newEndpoint(application, request.body, sealNewSecret(secretBox, secret), clock.now());
    await checkEndpoint(request, endpoint, allFields);
    await store.endpointInsert(endpoint);
    await publishOperational(request, [endpointEvent('endpoint.created', application, endpoint)]);
    return reply.code(201).send(endpointOut(endpoint));
  });

  app.get('/app/:app_id/endpoint/:endpoint_id', { schema: { params: EndpointPath } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    return endpointOut(await findEndpoint(request, application, request.params.endpoint_id));
  });

  /**
   * Svix's upsert: replaces the Svix fields of an existing endpoint (absent optional ones take
   * their defaults), or creates the endpoint (201) when `endpoint_id` is a uid that names none.
   * Deviation: an absent `uid` keeps the current one, and absent Herald fields keep theirs, so a
   * Svix client that knows neither cannot wipe them by accident.
   */
  app.put('/app/:app_id/endpoint/:endpoint_id', { schema: { params: EndpointPath, body: EndpointUpdate } }, async (request, reply) => {
    const { store, clock, secretBox } = app.herald;
    const application = await findApp(request, request.params.app_id);
    const { endpoint_id: idOrUid } = request.params;
    const body = request.body;
    const now = clock.now();
    const existing = await store.endpointGet({ appId: application.id, idOrUid });
    if (!existing) {
      if (idOrUid.startsWith(endpointIdPrefix)) throw new NotFoundError(`endpoint ${idOrUid} not found`);
      assertPathUid('ep', idOrUid, ['path', 'endpoint_id']);
      const created = newEndpoint(application, { ...body, uid: body.uid ?? idOrUid }, sealNewSecret(secretBox, null), now);
      await checkEndpoint(request, created, allFields);
      await store.endpointInsert(created);
      await publishOperational(request, [endpointEvent('endpoint.created', application, created)]);
      return reply.code(201).send(endpointOut(created));
    }
    const touched = new Set<Field>(['url', 'filterTypes']);
    if (body.uid !== undefined) touched.add('uid');
    const replaced = withHeraldFields(
      {
        ...existing,
        uid: body.uid === undefined ? existing.uid : body.uid,
        ...svixFieldsOf(body),
        updatedAt: now,
      },
      body,
      touched,
    );
    await checkEndpoint(request, replaced, touched);
    await store.endpointUpdate(replaced);
    await publishOperational(request, endpointChangeEvents(application, existing, replaced));
    return endpointOut(replaced);
  });

  /** Present fields change; `null` clears a nullable one (`filterTypes: null` = every event type). */
  app.patch('/app/:app_id/endpoint/:endpoint_id', { schema: { params: EndpointPath, body: EndpointPatch } }, async (request) => {
    const { store, clock, secretBox } = app.herald;
    const application = await findApp(request, request.params.app_id);
    const existing = await findEndpoint(request, application, request.params.endpoint_id);
    const body = request.body;
    const now = clock.now();
    const touched = new Set<Field>();
    const next: Endpoint = { ...existing, updatedAt: now };
    const set = <K extends Field>(key: K, value: Endpoint[K] | undefined) => {
      if (value === undefined) return;
      next[key] = value;
      touched.add(key);
    };
    set('url', body.url);
    set('description', body.description);
    set('uid', body.uid);
    set('version', body.version);
    set('disabled', body.disabled);
    set('filterTypes', body.filterTypes);
    set('channels', body.channels);
    set('rateLimit', rateLimitOf(body));
    set('metadata', body.metadata);
    const patched = withHeraldFields(next, body, touched);
    const secret = givenSecret(body.secret);
    if (secret !== null) {
      // Svix's deprecated way to set the secret; treated as a rotation so receivers get the grace period.
      patched.secrets = secretBox.seal(rotatedSecrets(secretBox.open(existing.secrets), secret, now, rotationGraceSecondsDefault));
    }
    await checkEndpoint(request, patched, touched);
    await store.endpointUpdate(patched);
    await publishOperational(request, endpointChangeEvents(application, existing, patched));
    return endpointOut(patched);
  });

  app.delete('/app/:app_id/endpoint/:endpoint_id', { schema: { params: EndpointPath } }, async (request, reply) => {
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    await app.herald.store.endpointDelete({ appId: application.id, id: endpoint.id });
    await publishOperational(request, [endpointEvent('endpoint.deleted', application, endpoint)]);
    return reply.code(204).send();
  });
};
