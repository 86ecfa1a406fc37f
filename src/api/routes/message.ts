import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { ConflictError, PayloadTooLargeError, ValidationError } from '../../domain/errors.js';
import { idTime, newId, type Id } from '../../domain/ids.js';
import { endpointMatches } from '../../domain/matching.js';
import type { Message } from '../../domain/types.js';
import { adminOnly, findApp, findMessage } from '../lookup.js';
import { ListQuery, listParams, listResponse } from '../paging.js';
import { AppPath, Channel, DateTime, EventTypeName, EventTypesQuery, eventTypesOf, iso, MessagePath, Nullable, Tag, Uid } from '../schemas.js';
import { bodyDepthSlack, jsonDepth } from '../validation.js';
import { ApplicationIn, findOrPlanApp, type AppTarget } from './application.js';
import { isOperationalApp } from '../../operational/publisher.js';

const dayMs = 24 * 60 * 60 * 1000;
const hourMs = 60 * 60 * 1000;

/**
 * Room in a message request's body limit for everything around the payload (event type, ids,
 * channels, tags, an `application`), so that a payload of exactly `maxPayloadBytes` fits and the
 * payload check below, not the body limit, decides.
 */
export const messageEnvelopeBytesDefault = 64 * 1024;
/**
 * Body limit of `POST …/msg/batch`. 1,000 payloads of the 1 MiB maximum would be a 1 GiB body,
 * which JSON.parse would turn into several times that in heap; 16 MiB (about 16 KiB per message
 * in a full batch) keeps a batch's parse to a few tens of MB. Larger payloads go in smaller
 * batches or one by one.
 */
export const messageBatchBodyLimitDefault = 16 * 1024 * 1024;
export const messageBatchSizeMax = 1000;

export const MessageIn = Type.Object({
  eventId: Type.Optional(Nullable(Uid)),
  eventType: EventTypeName,
  payload: Type.Object({}, { additionalProperties: true }),
  channels: Type.Optional(Nullable(Type.Array(Channel, { minItems: 1, maxItems: 10, uniqueItems: true }))),
  tags: Type.Optional(Nullable(Type.Array(Tag, { maxItems: 5, uniqueItems: true }))),
  application: Type.Optional(Nullable(ApplicationIn)),
  // Svix reserves it for transformations, which Herald does not run: accepted and ignored.
  transformationsParams: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
  deliverAt: Type.Optional(Nullable(DateTime)),
  payloadRetentionPeriod: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 90 }))),
  payloadRetentionHours: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 2160 }))),
});
export type MessageIn = Static<typeof MessageIn>;

/** Herald extension: `POST …/msg/batch`. */
export const MessageBatchIn = Type.Object({
  messages: Type.Array(MessageIn, { minItems: 1, maxItems: messageBatchSizeMax }),
});

export const MessageOut = Type.Object({
  id: Type.String(),
  eventType: Type.String(),
  eventId: Nullable(Type.String()),
  payload: Type.Object({}, { additionalProperties: true }),
  channels: Nullable(Type.Array(Type.String())),
  tags: Nullable(Type.Array(Type.String())),
  timestamp: DateTime,
  deliverAt: Nullable(DateTime),
});
export type MessageOut = Static<typeof MessageOut>;

/**
 * The wire shape of a message. `payload` is the stored JSON text parsed again: `{}` when the
 * caller asked for no content (Svix's `with_content=false`), `{"expired": true}` once the payload
 * was expunged or purged (ingest answers through `ingestedMessageJson`, which splices the stored
 * text in instead). A scheduled message (`deliverAt`) is stored with `timestamp` at its delivery
 * time, later than the instant its id carries; the answer then shows the creation instant as
 * `timestamp` and the schedule as `deliverAt`.
 */
export function messageOut(message: Message, withContent = true): MessageOut {
  const created = idTime(message.id);
  const scheduled = message.timestamp.getTime() > created.getTime();
  let payload: Record<string, unknown>;
  if (!withContent) payload = {};
  else if (message.payload === null) payload = { expired: true };
  else payload = JSON.parse(message.payload) as Record<string, unknown>;
  return {
    id: message.id,
    eventType: message.eventType,
    eventId: message.eventId,
    payload,
    channels: message.channels,
    tags: message.tags,
    timestamp: iso(scheduled ? created : message.timestamp),
    deliverAt: scheduled ? iso(message.timestamp) : null,
  };
}

/**
 * `JSON.stringify(messageOut(message, withContent))` for a message ingest has just stored, created
 * at `created` (the instant its id carries), whose ISO form the caller passes as `createdIso`
 * (formatted once per request, however many messages it carries). The stored payload is the
 * payload's own JSON.stringify, so it is spliced in as it is instead of being serialised a second
 * time; keys come in `messageOut`'s order, so the text is the same byte for byte (message.test.ts
 * compares the two). Measured on the 2-core dev VM (`/msg/batch` of 1,000 messages of 250 bytes,
 * 4 clients): Fastify's JSON.stringify of `{data: [MessageOut…]}`, `messageOut` and `iso` took
 * 7 to 8 % of the server's CPU profile; this text and the route joining it, about 5 % of a
 * smaller total.
 */
export function ingestedMessageJson(message: Message, created: Date, createdIso: string, withContent: boolean): string {
  const deliverAt = message.timestamp.getTime() > created.getTime() ? JSON.stringify(iso(message.timestamp)) : 'null';
  const payload = withContent ? (message.payload ?? '{"expired":true}') : '{}';
  return `{"id":"${message.id}","eventType":${JSON.stringify(message.eventType)},"eventId":${JSON.stringify(message.eventId)},"payload":${payload},"channels":${JSON.stringify(message.channels)},"tags":${JSON.stringify(message.tags)},"timestamp":"${createdIso}","deliverAt":${deliverAt}}`;
}

/** A message before its application is known. */
export type MessageDraft = Omit<Message, 'appId'>;

/**
 * The stored message: a draft with its application. A literal, not `{...draft, appId}`: that
 * spread took 1.8 % of the CPU profile of `/msg/batch` (same measurement as above), this is lost
 * in the noise.
 */
export function withApp(draft: MessageDraft, appId: Id<'app'>): Message {
  const { id, eventType, eventId, payload, channels, tags, timestamp, payloadExpiresAt } = draft;
  return { id, appId, eventType, eventId, payload, channels, tags, timestamp, payloadExpiresAt };
}

/**
 * Turns one validated `MessageIn` into the stored message. The payload is kept as the text of
 * `JSON.stringify(JSON.parse(body).payload)`: the bytes every attempt sends. Known limits of that
 * round trip (JSON.parse semantics): object keys that look like array indices ("1", "2") come
 * out first in ascending order, numbers beyond 2^53 lose precision, and duplicate keys keep the
 * last value. Whitespace is not kept.
 * The application is added once the whole request has been validated (`ingest`).
 *
 * `bodyLevels` is how deep in the parsed request body the payload sits (0: it did not come from
 * one). The JSON parser has refused bodies nesting deeper than `maxJsonDepth + bodyDepthSlack`
 * (`registerJsonParser`), so a payload `bodyDepthSlack` or more levels down (a `/msg/batch` item's:
 * `{messages: [{payload}]}`) cannot nest deeper than `maxJsonDepth`, and its own walk would only
 * repeat that check.
 */
export function messageFromInput(input: MessageIn, now: Date, config: Config, loc: string[], bodyLevels = 0): MessageDraft {
  const depth = bodyLevels >= bodyDepthSlack ? 0 : jsonDepth(input.payload);
  if (depth > config.maxJsonDepth) {
    throw ValidationError.field([...loc, 'payload'], `JSON nests ${depth} levels, more than the ${config.maxJsonDepth} allowed`, 'value_error.jsondepth');
  }
  const payload = JSON.stringify(input.payload);
  const bytes = Buffer.byteLength(payload, 'utf8');
  if (bytes > config.maxPayloadBytes) {
    throw new PayloadTooLargeError(`the payload is ${bytes} bytes of JSON, more than the ${config.maxPayloadBytes} allowed (HERALD_MAX_PAYLOAD_BYTES)`);
  }
  if (input.payloadRetentionPeriod != null && input.payloadRetentionHours != null) {
    throw ValidationError.field([...loc, 'payloadRetentionHours'], 'give payloadRetentionPeriod or payloadRetentionHours, not both', 'value_error.exclusive');
  }
  const retentionMs =
    input.payloadRetentionHours != null ? input.payloadRetentionHours * hourMs : input.payloadRetentionPeriod != null ? input.payloadRetentionPeriod * dayMs : null;
  let timestamp = now;
  if (input.deliverAt != null) {
    const at = new Date(input.deliverAt);
    if (at.getTime() <= now.getTime() || at.getTime() > now.getTime() + dayMs) {
      throw ValidationError.field([...loc, 'deliverAt'], 'must be in the future and at most 24 hours from now', 'value_error.deliverat');
    }
    timestamp = at;
  }
  return {
    id: newId('msg', now),
    eventType: input.eventType,
    eventId: input.eventId ?? null,
    payload,
    channels: input.channels ?? null,
    tags: input.tags ?? null,
    timestamp,
    payloadExpiresAt: retentionMs === null ? null : new Date(now.getTime() + retentionMs),
  };
}

/**
 * Validates every message (limits, repeated eventIds, the event types' payload schemas), creates
 * the application when the request asked for it and it does not exist, then stores the messages
 * with a delivery for every endpoint of the app that matches each one, in one durable transaction
 * (the store group-commits concurrent calls), and wakes the dispatcher. Nothing is written before
 * the last check, so a refused request leaves neither messages nor a new app. Resolves only
 * after the commit: a 202 means the messages are on disk. `bodyLevels` as in `messageFromInput`.
 */
async function ingest(request: FastifyRequest, target: AppTarget, inputs: MessageIn[], locOf: (i: number) => string[], bodyLevels: number): Promise<Ingested> {
  const { store, clock, config } = request.server.herald;
  const now = clock.now();
  const seen = new Set<string>();
  const drafts = inputs.map((input, i) => {
    if (input.eventId != null) {
      if (seen.has(input.eventId)) throw new ConflictError(`eventId ${input.eventId} appears twice in this batch`);
      seen.add(input.eventId);
    }
    return messageFromInput(input, now, config, locOf(i), bodyLevels);
  });
  await request.server.payloadSchemas.check(inputs, locOf);
  const app = target.app ?? (await target.create());
  const messages = drafts.map((draft) => withApp(draft, app.id));
  const endpoints = await request.server.ingestLookups.endpointListAll({ appId: app.id });
  let queued = 0;
  const items = messages.map((message, i) => {
    const input = inputs[i]!;
    const match = { eventType: message.eventType, channels: message.channels, payload: input.payload };
    const endpointIds = endpoints.filter((ep) => endpointMatches(ep, match)).map((ep) => ep.id);
    queued += endpointIds.length;
    return { message, endpointIds };
  });
  // A scheduled message (`deliverAt`) is sent alone (batches refuse `deliverAt`): its deliveries
  // are written due at its time.
  const dueAt = messages.length === 1 ? messages[0]!.timestamp : now;
  try {
    await store.messageInsert({ items, now: dueAt });
  } catch (err) {
    if (err instanceof ConflictError) {
      const ids = messages.flatMap((m) => (m.eventId === null ? [] : [m.eventId]));
      throw new ConflictError(ids.length === 1 ? `a message with eventId ${ids[0]} already exists in this application` : 'a message with one of these eventIds already exists in this application');
    }
    throw err;
  }
  if (queued > 0) request.server.herald.onDeliveriesQueued?.();
  return { messages, created: now };
}

/** What `ingest` stored: its messages, all created at `created`. */
interface Ingested {
  messages: Message[];
  created: Date;
}

/** The 202's JSON text for each message `ingest` stored. */
function ingestedJson({ messages, created }: Ingested, withContent: boolean): string[] {
  const createdIso = iso(created);
  return messages.map((message) => ingestedMessageJson(message, created, createdIso, withContent));
}

/** What JSON.stringify would set for an object answer: a string sent as it is needs it said. */
const jsonType = 'application/json; charset=utf-8';

/**
 * The application a message names, through ingest's lookup cache (`ingest-lookups.ts`); when it
 * is not there, `findOrPlanApp` looks again and may plan its creation. Ingest routes are
 * admin-only (`adminOnly` runs first), so no portal token reaches here.
 */
async function ingestTarget(request: FastifyRequest, idOrUid: string, input: ApplicationIn | null | undefined, loc: string[]): Promise<AppTarget> {
  const app = request.caller.kind === 'admin' ? await request.server.ingestLookups.applicationGet({ idOrUid }) : null;
  // The operational webhooks' internal application is not a target: findApp answers 404 for it.
  return app === null || isOperationalApp(app.id) ? findOrPlanApp(request, idOrUid, input, loc) : { app };
}

const WithContentQuery = Type.Object({ with_content: Type.Boolean({ default: true }) });
const MessageListQuery = Type.Composite([
  ListQuery,
  Type.Object({
    with_content: Type.Boolean({ default: true }),
    channel: Type.Optional(Nullable(Channel)),
    tag: Type.Optional(Nullable(Tag)),
    before: Type.Optional(Nullable(DateTime)),
    after: Type.Optional(Nullable(DateTime)),
    event_types: EventTypesQuery,
  }),
]);

/**
 * `/app/{app}/msg`: sending (admin token; 202 once on disk), listing and reading (a portal token
 * may read its own app's messages), expunging a payload (admin).
 */
export const messageRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store, config } = app.herald;

  app.post(
    '/app/:app_id/msg',
    {
      onRequest: adminOnly,
      bodyLimit: config.maxPayloadBytes + messageEnvelopeBytesDefault,
      schema: { params: AppPath, querystring: WithContentQuery, body: MessageIn },
    },
    async (request, reply) => {
      const target = await ingestTarget(request, request.params.app_id, request.body.application, ['body', 'application']);
      const stored = await ingest(request, target, [request.body], () => ['body'], 1);
      return reply.code(202).type(jsonType).send(ingestedJson(stored, request.query.with_content)[0]);
    },
  );

  app.post(
    '/app/:app_id/msg/batch',
    {
      onRequest: adminOnly,
      bodyLimit: Math.max(messageBatchBodyLimitDefault, config.maxPayloadBytes + messageEnvelopeBytesDefault),
      schema: { params: AppPath, querystring: WithContentQuery, body: MessageBatchIn },
    },
    async (request, reply) => {
      const { messages } = request.body;
      const scheduled = messages.findIndex((m) => m.deliverAt != null);
      if (scheduled >= 0) {
        throw ValidationError.field(['body', 'messages', String(scheduled), 'deliverAt'], 'a batch cannot schedule messages; send scheduled messages one by one', 'value_error.deliverat');
      }
      const withApplication = messages.find((m) => m.application != null);
      const loc = ['body', 'messages', String(messages.indexOf(withApplication!)), 'application'];
      const target = await ingestTarget(request, request.params.app_id, withApplication?.application, loc);
      const stored = await ingest(request, target, messages, (i) => ['body', 'messages', String(i)], 3);
      return reply.code(202).type(jsonType).send(`{"data":[${ingestedJson(stored, request.query.with_content).join(',')}]}`);
    },
  );

  app.get('/app/:app_id/msg', { schema: { params: AppPath, querystring: MessageListQuery } }, async (request) => {
    const q = request.query;
    const target = await findApp(request, request.params.app_id);
    const page = await store.messageList({
      ...listParams(q, 'descending'),
      appId: target.id,
      eventTypes: eventTypesOf(q.event_types),
      channel: q.channel ?? null,
      tag: q.tag ?? null,
      before: q.before == null ? null : new Date(q.before),
      after: q.after == null ? null : new Date(q.after),
    });
    return listResponse(page, (m) => messageOut(m, q.with_content));
  });

  app.get('/app/:app_id/msg/:msg_id', { schema: { params: MessagePath, querystring: WithContentQuery } }, async (request) => {
    const target = await findApp(request, request.params.app_id);
    return messageOut(await findMessage(request, target, request.params.msg_id), request.query.with_content);
  });

  app.delete('/app/:app_id/msg/:msg_id/content', { onRequest: adminOnly, schema: { params: MessagePath } }, async (request, reply) => {
    const target = await findApp(request, request.params.app_id);
    const message = await findMessage(request, target, request.params.msg_id);
    await store.messageExpungePayload({ appId: target.id, id: message.id });
    return reply.code(204).send();
  });
};
