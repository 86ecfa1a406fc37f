import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.js';
import type { EventType } from '../../domain/types.js';
import { adminOnly } from '../lookup.js';
import { ListQuery, listParams, listResponse } from '../paging.js';
import { DateTime, Description, EventTypeName, iso, Nullable } from '../schemas.js';
import { jsonSchemaProblem } from '../payload-schema.js';

const FeatureFlag = Type.String({ minLength: 1, maxLength: 256, pattern: '^[a-zA-Z0-9\\-_.]+$' });
const GroupName = FeatureFlag;
/**
 * Svix's `schemas`: JSON Schemas by version, `{"1": {…, "examples": [...]}}`. Each version must
 * be an object (a JSON Schema); the catalog's examples live inside it. Written as `StringMap` is
 * (`schemas.ts`): `Type.Record` renders `patternProperties: {"^(.*)$": …}`, which neither checks a
 * key with a line break nor applies the key's length limits, so `propertyNames` states those.
 */
const Schemas = Type.Unsafe<Record<string, Record<string, unknown>>>(
  Type.Object({}, { additionalProperties: Type.Object({}, { additionalProperties: true }), propertyNames: { minLength: 1, maxLength: 64 } }),
);
/**
 * Herald stores one feature flag per event type: `featureFlags` may hold one item (more is 422),
 * and answers carry it both ways (`featureFlag` and `featureFlags`).
 */
const FeatureFlags = Type.Array(FeatureFlag, { minItems: 1, maxItems: 1, uniqueItems: true });

export const EventTypeIn = Type.Object({
  name: EventTypeName,
  description: Description,
  archived: Type.Optional(Type.Boolean()),
  deprecated: Type.Optional(Type.Boolean()),
  schemas: Type.Optional(Nullable(Schemas)),
  groupName: Type.Optional(Nullable(GroupName)),
  featureFlags: Type.Optional(Nullable(FeatureFlags)),
  featureFlag: Type.Optional(Nullable(FeatureFlag)),
});
export type EventTypeIn = Static<typeof EventTypeIn>;

export const EventTypeUpdate = Type.Omit(EventTypeIn, ['name']);
export type EventTypeUpdate = Static<typeof EventTypeUpdate>;

export const EventTypePatch = Type.Partial(EventTypeUpdate);
export type EventTypePatch = Static<typeof EventTypePatch>;

export const EventTypeOut = Type.Object({
  name: Type.String(),
  description: Type.String(),
  archived: Type.Boolean(),
  deprecated: Type.Boolean(),
  schemas: Nullable(Schemas),
  groupName: Nullable(Type.String()),
  featureFlag: Nullable(Type.String()),
  featureFlags: Nullable(Type.Array(Type.String())),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type EventTypeOut = Static<typeof EventTypeOut>;

/** `withContent: false` leaves `schemas` out (null), as Svix's list does by default. */
export function eventTypeOut(eventType: EventType, withContent = true): EventTypeOut {
  return {
    name: eventType.name,
    description: eventType.description,
    archived: eventType.archived,
    deprecated: eventType.deprecated,
    schemas: withContent ? (eventType.schemas as EventTypeOut['schemas']) : null,
    groupName: eventType.groupName,
    featureFlag: eventType.featureFlag,
    featureFlags: eventType.featureFlag === null ? null : [eventType.featureFlag],
    createdAt: iso(eventType.createdAt),
    updatedAt: iso(eventType.updatedAt),
  };
}

const NamePath = Type.Object({ event_type_name: EventTypeName });
const EventTypeListQuery = Type.Composite([
  ListQuery,
  Type.Object({ include_archived: Type.Boolean({ default: false }), with_content: Type.Boolean({ default: false }) }),
]);
const DeleteQuery = Type.Object({ expunge: Type.Boolean({ default: false }) });

function featureFlagOf(input: { featureFlags?: string[] | null; featureFlag?: string | null }): string | null | undefined {
  if (input.featureFlags !== undefined) return input.featureFlags?.[0] ?? null;
  return input.featureFlag;
}

/** Each version in `schemas` must compile as a JSON Schema: payloads may be checked against it. */
function assertSchemas(schemas: Record<string, object> | null | undefined): void {
  if (!schemas) return;
  const items = Object.entries(schemas).flatMap(([version, schema]) => {
    const problem = jsonSchemaProblem(schema);
    return problem === null ? [] : [{ loc: ['body', 'schemas', version], msg: `not a valid JSON Schema: ${problem}`, type: 'value_error.jsonschema' }];
  });
  if (items.length > 0) throw new ValidationError(items);
}

/** The fields an `EventTypeIn`/`EventTypeUpdate` sets: everything but the name and times. */
function fromInput(input: EventTypeUpdate): Pick<EventType, 'description' | 'archived' | 'deprecated' | 'schemas' | 'featureFlag' | 'groupName'> {
  assertSchemas(input.schemas);
  return {
    description: input.description,
    archived: input.archived ?? false,
    deprecated: input.deprecated ?? false,
    schemas: input.schemas ?? null,
    featureFlag: featureFlagOf(input) ?? null,
    groupName: input.groupName ?? null,
  };
}

/** `/event-type`: the organisation's catalog. Anyone may read it; writing needs the admin token. */
export const eventTypeRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store, clock } = app.herald;

  async function getOr404(name: string): Promise<EventType> {
    const found = await store.eventTypeGet({ name });
    if (!found) throw new NotFoundError(`event type ${name} not found`);
    return found;
  }

  app.get('/event-type', { schema: { querystring: EventTypeListQuery } }, async (request) => {
    const q = request.query;
    const page = await store.eventTypeList({ ...listParams(q, 'ascending'), includeArchived: q.include_archived });
    return listResponse(page, (e) => eventTypeOut(e, q.with_content));
  });

  // Creating the name of an archived event type brings it back with the new fields (Svix does
  // the same); a live one is 409.
  app.post('/event-type', { onRequest: adminOnly, schema: { body: EventTypeIn } }, async (request, reply) => {
    const body = request.body;
    const now = clock.now();
    const existing = await store.eventTypeGet({ name: body.name });
    if (existing && !existing.archived) throw new ConflictError(`event type ${body.name} already exists`);
    const eventType: EventType = { name: body.name, ...fromInput(body), createdAt: existing?.createdAt ?? now, updatedAt: now };
    if (existing) await store.eventTypeUpdate(eventType);
    else await insertOrConflict(eventType);
    return reply.code(201).send(eventTypeOut(eventType));
  });

  app.get('/event-type/:event_type_name', { schema: { params: NamePath } }, async (request) => {
    return eventTypeOut(await getOr404(request.params.event_type_name));
  });

  // PUT replaces the fields, or creates the event type (201) when the name is new.
  app.put('/event-type/:event_type_name', { onRequest: adminOnly, schema: { params: NamePath, body: EventTypeUpdate } }, async (request, reply) => {
    const name = request.params.event_type_name;
    const now = clock.now();
    const existing = await store.eventTypeGet({ name });
    const eventType: EventType = { name, ...fromInput(request.body), createdAt: existing?.createdAt ?? now, updatedAt: now };
    if (existing) {
      await store.eventTypeUpdate(eventType);
      return eventTypeOut(eventType);
    }
    await insertOrConflict(eventType);
    return reply.code(201).send(eventTypeOut(eventType));
  });

  app.patch('/event-type/:event_type_name', { onRequest: adminOnly, schema: { params: NamePath, body: EventTypePatch } }, async (request) => {
    const existing = await getOr404(request.params.event_type_name);
    const body = request.body;
    assertSchemas(body.schemas);
    const featureFlag = featureFlagOf(body);
    const eventType: EventType = {
      ...existing,
      description: body.description ?? existing.description,
      archived: body.archived ?? existing.archived,
      deprecated: body.deprecated ?? existing.deprecated,
      schemas: body.schemas === undefined ? existing.schemas : body.schemas,
      featureFlag: featureFlag === undefined ? existing.featureFlag : featureFlag,
      groupName: body.groupName === undefined ? existing.groupName : body.groupName,
      updatedAt: clock.now(),
    };
    await store.eventTypeUpdate(eventType);
    return eventTypeOut(eventType);
  });

  // DELETE archives (the event type stays readable and listable with include_archived);
  // `?expunge=true` removes it for good.
  app.delete('/event-type/:event_type_name', { onRequest: adminOnly, schema: { params: NamePath, querystring: DeleteQuery } }, async (request, reply) => {
    const existing = await getOr404(request.params.event_type_name);
    if (request.query.expunge) await store.eventTypeDelete({ name: existing.name });
    else if (!existing.archived) await store.eventTypeUpdate({ ...existing, archived: true, updatedAt: clock.now() });
    return reply.code(204).send();
  });

  async function insertOrConflict(eventType: EventType): Promise<void> {
    try {
      await store.eventTypeInsert(eventType);
    } catch (err) {
      if (err instanceof ConflictError) throw new ConflictError(`event type ${eventType.name} already exists`);
      throw err;
    }
  }
};
