import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError, type ValidationItem } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Endpoint } from '../../domain/types.js';
import { operationalEventTypes } from '../../operational/events.js';
import { operationalAppId } from '../../operational/publisher.js';
import { profileNameDefault } from '../../profiles/index.js';
import { adminOnly } from '../lookup.js';
import { ListQuery, listParams, listResponse } from '../paging.js';
import { assertUidNotId, Description, EventTypeName, IdOrUid, iso, Nullable, StringMap, Uid } from '../schemas.js';
import { urlProblems } from './endpoint/crud.js';
import { assertValidHeaders, endpointHeadersOut } from './endpoint/headers.js';
import { currentSecret, EndpointSecret, rotateEndpointSecret, sealNewSecret, secretOrThrow } from './endpoint/secret.js';

/**
 * `/operational-webhook/endpoint…` (Svix `v1.operational-webhook.endpoint.*`): the organisation's
 * operational endpoints, admin token only. They are endpoints of Herald's internal operational
 * application (`src/operational/publisher.ts`), so they are delivered, signed and retried like
 * any other; these routes give them Svix's shapes (`OperationalWebhookEndpointIn/Update/Out`),
 * and `filterTypes` may name only operational event types.
 */

const OperationalRateLimit = Nullable(Type.Integer({ minimum: 1, maximum: 65535 }));
const Fields = {
  url: Type.String({ minLength: 1, maxLength: 65536 }),
  description: Type.Optional(Description),
  rateLimit: Type.Optional(OperationalRateLimit),
  throttleRate: Type.Optional(OperationalRateLimit),
  uid: Type.Optional(Nullable(Uid)),
  disabled: Type.Optional(Type.Boolean()),
  filterTypes: Type.Optional(Nullable(Type.Array(EventTypeName, { minItems: 1, uniqueItems: true }))),
  metadata: Type.Optional(StringMap),
};
const OperationalEndpointIn = Type.Object({ ...Fields, secret: Type.Optional(Nullable(EndpointSecret)) });
const OperationalEndpointUpdate = Type.Object(Fields);
type OperationalEndpointUpdate = Static<typeof OperationalEndpointUpdate>;
const EndpointPath = Type.Object({ endpoint_id: IdOrUid });
const SecretIn = Type.Object({ key: Type.Optional(Nullable(EndpointSecret)) });
const HeadersIn = Type.Object({ headers: StringMap });

/** `OperationalWebhookEndpointOut`. */
function operationalEndpointOut(e: Endpoint) {
  return {
    id: e.id,
    uid: e.uid,
    url: e.url,
    description: e.description,
    disabled: e.disabled,
    filterTypes: e.filterTypes,
    rateLimit: e.rateLimit,
    throttleRate: e.rateLimit,
    metadata: e.metadata,
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
  };
}

function check(request: FastifyRequest, body: OperationalEndpointUpdate): void {
  const items: ValidationItem[] = urlProblems(body.url, request.server.herald.config.allowedNetworks);
  assertUidNotId('ep', body.uid, ['body', 'uid']);
  const unknown = (body.filterTypes ?? []).filter((t) => !(operationalEventTypes as readonly string[]).includes(t));
  if (unknown.length > 0) {
    items.push({ loc: ['body', 'filterTypes'], msg: `not operational event types: ${unknown.join(', ')}; known: ${operationalEventTypes.join(', ')}`, type: 'value_error.filtertypes' });
  }
  if (items.length > 0) throw new ValidationError(items);
}

/** The fields a create or an update sets. */
function fieldsOf(body: OperationalEndpointUpdate) {
  return {
    url: body.url,
    uid: body.uid ?? null,
    description: body.description ?? '',
    disabled: body.disabled ?? false,
    filterTypes: body.filterTypes ?? null,
    rateLimit: (body.throttleRate !== undefined ? body.throttleRate : body.rateLimit) ?? null,
    metadata: body.metadata ?? {},
  };
}

async function findOperationalEndpoint(request: FastifyRequest, idOrUid: string): Promise<Endpoint> {
  const endpoint = await request.server.herald.store.endpointGet({ appId: operationalAppId, idOrUid });
  if (!endpoint) throw new NotFoundError(`operational webhook endpoint ${idOrUid} not found`);
  return endpoint;
}

function newOperationalEndpoint(body: Static<typeof OperationalEndpointIn>, secrets: string, now: Date): Endpoint {
  return {
    id: newId('ep', now),
    appId: operationalAppId,
    ...fieldsOf(body),
    version: 1,
    channels: null,
    headers: {},
    secrets,
    profile: profileNameDefault,
    profileOptions: {},
    payloadFilter: null,
    timeoutMs: null,
    retrySchedule: null,
    maxConcurrency: null,
    createdAt: now,
    updatedAt: now,
  };
}

export const operationalWebhookRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { store, clock, secretBox } = app.herald;
  app.addHook('onRequest', adminOnly);

  app.get('/operational-webhook/endpoint', { schema: { querystring: ListQuery } }, async (request) => {
    return listResponse(await store.endpointList({ ...listParams(request.query), appId: operationalAppId }), operationalEndpointOut);
  });

  app.post('/operational-webhook/endpoint', { schema: { body: OperationalEndpointIn } }, async (request, reply) => {
    check(request, request.body);
    const secret = request.body.secret == null ? null : secretOrThrow(request.body.secret, ['body', 'secret']);
    await app.operational.ensureApp();
    const endpoint = newOperationalEndpoint(request.body, sealNewSecret(secretBox, secret), clock.now());
    await store.endpointInsert(endpoint);
    return reply.code(201).send(operationalEndpointOut(endpoint));
  });

  app.get('/operational-webhook/endpoint/:endpoint_id', { schema: { params: EndpointPath } }, async (request) => {
    return operationalEndpointOut(await findOperationalEndpoint(request, request.params.endpoint_id));
  });

  /** Replaces the fields; an absent `uid` keeps the current one, as endpoint PUT does. */
  app.put('/operational-webhook/endpoint/:endpoint_id', { schema: { params: EndpointPath, body: OperationalEndpointUpdate } }, async (request) => {
    const existing = await findOperationalEndpoint(request, request.params.endpoint_id);
    check(request, request.body);
    const fields = fieldsOf(request.body);
    const updated: Endpoint = { ...existing, ...fields, uid: request.body.uid === undefined ? existing.uid : fields.uid, updatedAt: clock.now() };
    await store.endpointUpdate(updated);
    return operationalEndpointOut(updated);
  });

  app.delete('/operational-webhook/endpoint/:endpoint_id', { schema: { params: EndpointPath } }, async (request, reply) => {
    const endpoint = await findOperationalEndpoint(request, request.params.endpoint_id);
    await store.endpointDelete({ appId: operationalAppId, id: endpoint.id });
    return reply.code(204).send();
  });

  app.get('/operational-webhook/endpoint/:endpoint_id/secret', { schema: { params: EndpointPath } }, async (request) => {
    return { key: currentSecret(secretBox, await findOperationalEndpoint(request, request.params.endpoint_id)) };
  });

  app.post(
    '/operational-webhook/endpoint/:endpoint_id/secret/rotate',
    {
      schema: { params: EndpointPath, body: SecretIn },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      await rotateEndpointSecret(app.herald, await findOperationalEndpoint(request, request.params.endpoint_id), { key: request.body.key });
      return reply.code(204).send();
    },
  );

  app.get('/operational-webhook/endpoint/:endpoint_id/headers', { schema: { params: EndpointPath } }, async (request) => {
    return endpointHeadersOut((await findOperationalEndpoint(request, request.params.endpoint_id)).headers);
  });

  app.put('/operational-webhook/endpoint/:endpoint_id/headers', { schema: { params: EndpointPath, body: HeadersIn } }, async (request, reply) => {
    const endpoint = await findOperationalEndpoint(request, request.params.endpoint_id);
    assertValidHeaders(request.body.headers, ['body', 'headers'], endpoint.profile);
    await store.endpointUpdate({ ...endpoint, headers: { ...request.body.headers }, updatedAt: clock.now() });
    return reply.code(204).send();
  });
};
