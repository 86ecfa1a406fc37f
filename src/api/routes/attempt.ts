import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { BadRequestError, NotFoundError } from '../../domain/errors.js';
import { isId } from '../../domain/ids.js';
import { messageStatusText, type Application, type Attempt, type Delivery, type Message } from '../../domain/types.js';
import type { Caller } from '../context.js';
import { findApp, findEndpoint, findMessage } from '../lookup.js';
import { visibleRequestHeaders } from '../redact.js';
import { ListQuery, listParams } from '../paging.js';
import { Channel, DateTime, EndpointPath, EventTypesQuery, eventTypesOf, IdOrUid, iso, MessagePath, Nullable, Tag } from '../schemas.js';
import { endpointOut } from './endpoint/index.js';
import { messageOut } from './message.js';

/**
 * Attempts and delivery states (Svix's "message attempt" resource):
 * - `GET /app/{app}/attempt/endpoint/{ep}` and `GET /app/{app}/attempt/msg/{msg}`: attempts,
 *   newest first (`ListResponse_MessageAttemptOut_`);
 * - `GET /app/{app}/msg/{msg}/attempt/{attempt}`: one attempt;
 * - `POST /app/{app}/msg/{msg}/endpoint/{ep}/resend`: 202 `{}`; the next attempt is manual;
 * - `GET /app/{app}/endpoint/{ep}/msg`: the endpoint's messages with their delivery state
 *   (`ListResponse_EndpointMessageOut_`);
 * - `GET /app/{app}/msg/{msg}/endpoint`: the message's endpoints with their delivery state
 *   (`ListResponse_MessageEndpointOut_`).
 *
 * Filters the store cannot apply (`status_code_class`, `channel`, `tag`, and on the endpoint's
 * message list `before`/`after`/`event_types`) are applied to each page the store returns. The
 * iterator still comes from the store's page, so paging never skips or repeats an item, but such
 * a page may hold fewer than `limit` items while `done` is false.
 */

const MessageStatusParam = Type.Integer({ minimum: 0, maximum: 4 });
/** Svix's `StatusCodeClass`: 0 (no response), 100, 200, 300, 400, 500. */
const StatusCodeClass = Type.Union([0, 100, 200, 300, 400, 500].map((n) => Type.Literal(n)));
/** The filters of the endpoint's message list; the attempt lists take these and `status_code_class`. */
const messageFilters = {
  status: Type.Optional(Nullable(MessageStatusParam)),
  channel: Type.Optional(Nullable(Channel)),
  tag: Type.Optional(Nullable(Tag)),
  before: Type.Optional(Nullable(DateTime)),
  after: Type.Optional(Nullable(DateTime)),
  with_content: Type.Boolean({ default: true }),
  expanded_statuses: Type.Optional(Type.Boolean()),
  event_types: EventTypesQuery,
};
const attemptFilters = { ...messageFilters, status_code_class: Type.Optional(Nullable(StatusCodeClass)) };

const AttemptListByEndpointQuery = Type.Composite([ListQuery, Type.Object({ ...attemptFilters, with_msg: Type.Boolean({ default: false }) })]);
const AttemptListByMsgQuery = Type.Composite([ListQuery, Type.Object({ ...attemptFilters, endpoint_id: Type.Optional(Nullable(IdOrUid)) })]);
const EndpointMessageListQuery = Type.Composite([ListQuery, Type.Object(messageFilters)]);
const PagingQuery = Type.Pick(ListQuery, ['limit', 'iterator']);
const ExpandedQuery = Type.Object({ expanded_statuses: Type.Optional(Type.Boolean()) });

const AttemptPath = Type.Object({ app_id: IdOrUid, msg_id: IdOrUid, attempt_id: IdOrUid });
const ResendPath = Type.Object({ app_id: IdOrUid, msg_id: IdOrUid, endpoint_id: IdOrUid });

const dateOf = (s: string | null | undefined) => (s == null ? null : new Date(s));

/** `MessageAttemptOut`, plus Herald's `responseHeaders` and `requestHeaders` (redacted for `caller`, `redact.ts`). */
export function attemptOut(a: Attempt, caller: Caller, msg?: Message | null, withContent = true) {
  return {
    id: a.id,
    msgId: a.msgId,
    endpointId: a.endpointId,
    url: a.url,
    response: a.response,
    responseStatusCode: a.responseStatusCode,
    responseDurationMs: a.responseDurationMs,
    status: a.status,
    statusText: messageStatusText[a.status],
    triggerType: a.triggerType,
    timestamp: iso(a.timestamp),
    ...(msg === undefined ? {} : { msg: msg === null ? null : messageOut(msg, withContent) }),
    responseHeaders: a.responseHeaders,
    requestHeaders: visibleRequestHeaders(a.requestHeaders, caller),
  };
}

function deliveryState(d: Delivery) {
  return { status: d.status, statusText: messageStatusText[d.status], nextAttempt: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt) };
}

function statusClassMatches(code: number, cls: number): boolean {
  return cls === 0 ? code < 100 : code >= cls && code < cls + 100;
}

function messageMatches(m: Message, f: { channel?: string | null; tag?: string | null }): boolean {
  if (f.channel != null && !(m.channels ?? []).includes(f.channel)) return false;
  if (f.tag != null && !(m.tags ?? []).includes(f.tag)) return false;
  return true;
}

/** Loads the messages of a page of attempts once each. */
async function messagesOf(request: FastifyRequest, app: Application, attempts: Attempt[]): Promise<Map<string, Message | null>> {
  const out = new Map<string, Message | null>();
  for (const a of attempts) {
    if (!out.has(a.msgId)) out.set(a.msgId, await request.server.herald.store.messageGet({ appId: app.id, idOrEventId: a.msgId }));
  }
  return out;
}

export const attemptRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = app.herald;

  type AttemptQuery = { status?: number | null; status_code_class?: number | null; channel?: string | null; tag?: string | null; before?: string | null; after?: string | null; with_content: boolean; event_types?: string | string[] | null; limit: number; iterator?: string | null; order?: 'ascending' | 'descending' };

  async function attemptPage(request: FastifyRequest, application: Application, q: AttemptQuery, scope: { endpointId?: Attempt['endpointId']; msgId?: Attempt['msgId'] }, withMsg: boolean) {
    const page = await store.attemptList({
      ...listParams(q, 'descending'),
      appId: application.id,
      endpointId: scope.endpointId ?? null,
      msgId: scope.msgId ?? null,
      status: (q.status ?? null) as Attempt['status'] | null,
      eventTypes: eventTypesOf(q.event_types),
      before: dateOf(q.before),
      after: dateOf(q.after),
    });
    const needMessages = withMsg || q.channel != null || q.tag != null;
    const messages = needMessages ? await messagesOf(request, application, page.data) : null;
    const data = page.data
      .filter((a) => q.status_code_class == null || statusClassMatches(a.responseStatusCode, q.status_code_class))
      .filter((a) => messages === null || messageMatches(messages.get(a.msgId) ?? ({ channels: null, tags: null } as unknown as Message), q))
      .map((a) => attemptOut(a, request.caller, withMsg ? (messages!.get(a.msgId) ?? null) : undefined, q.with_content));
    return { data, iterator: page.iterator, prevIterator: page.prevIterator, done: page.done };
  }

  app.get('/app/:app_id/attempt/endpoint/:endpoint_id', { schema: { params: EndpointPath, querystring: AttemptListByEndpointQuery } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    return attemptPage(request, application, request.query, { endpointId: endpoint.id }, request.query.with_msg);
  });

  app.get('/app/:app_id/attempt/msg/:msg_id', { schema: { params: MessagePath, querystring: AttemptListByMsgQuery } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const message = await findMessage(request, application, request.params.msg_id);
    const q = request.query;
    const endpoint = q.endpoint_id == null ? null : await findEndpoint(request, application, q.endpoint_id);
    return attemptPage(request, application, q, { msgId: message.id, ...(endpoint ? { endpointId: endpoint.id } : {}) }, false);
  });

  app.get('/app/:app_id/msg/:msg_id/attempt/:attempt_id', { schema: { params: AttemptPath, querystring: ExpandedQuery } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const message = await findMessage(request, application, request.params.msg_id);
    const { attempt_id: id } = request.params;
    const attempt = isId('atmpt', id) ? await store.attemptGet({ appId: application.id, msgId: message.id, id }) : null;
    if (!attempt) throw new NotFoundError(`attempt ${id} not found`);
    return attemptOut(attempt, request.caller);
  });

  app.post('/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend', { schema: { params: ResendPath } }, async (request, reply) => {
    const application = await findApp(request, request.params.app_id);
    const message = await findMessage(request, application, request.params.msg_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    if (message.payload === null) throw new BadRequestError(`the payload of message ${message.id} was expunged; there is nothing left to resend`);
    await store.deliveryRequeue({ appId: application.id, msgId: message.id, endpointId: endpoint.id, now: app.herald.clock.now() });
    app.herald.onDeliveriesQueued?.();
    return reply.code(202).send({});
  });

  app.get('/app/:app_id/endpoint/:endpoint_id/msg', { schema: { params: EndpointPath, querystring: EndpointMessageListQuery } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    const q = request.query;
    const eventTypes = eventTypesOf(q.event_types);
    const before = dateOf(q.before);
    const after = dateOf(q.after);
    const page = await store.deliveryListByEndpoint({
      ...listParams(q, 'descending'),
      appId: application.id,
      endpointId: endpoint.id,
      status: (q.status ?? null) as Delivery['status'] | null,
    });
    const data = page.data
      .filter(({ message: m }) => messageMatches(m, q))
      .filter(({ message: m }) => eventTypes === null || eventTypes.includes(m.eventType))
      .filter(({ message: m }) => (before === null || m.timestamp < before) && (after === null || m.timestamp > after))
      .map(({ delivery, message }) => ({ ...messageOut(message, q.with_content), ...deliveryState(delivery) }));
    return { data, iterator: page.iterator, prevIterator: page.prevIterator, done: page.done };
  });

  /**
   * The message's deliveries, one per endpoint, in endpoint-id order. A message has at most as
   * many deliveries as its app has endpoints, so the store hands them all over and paging by
   * endpoint id happens here.
   */
  app.get('/app/:app_id/msg/:msg_id/endpoint', { schema: { params: MessagePath, querystring: PagingQuery } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const message = await findMessage(request, application, request.params.msg_id);
    const { limit, iterator } = request.query;
    const deliveries = (await store.deliveryListByMessage({ appId: application.id, msgId: message.id }))
      .filter((d) => iterator == null || d.endpointId > iterator)
      .sort((a, b) => (a.endpointId < b.endpointId ? -1 : 1));
    const pageItems = deliveries.slice(0, limit);
    const data = [];
    for (const d of pageItems) {
      const endpoint = await store.endpointGet({ appId: application.id, idOrUid: d.endpointId });
      if (endpoint) data.push({ ...endpointOut(endpoint), ...deliveryState(d) });
    }
    const done = deliveries.length <= limit;
    return { data, iterator: pageItems.length > 0 ? pageItems[pageItems.length - 1]!.endpointId : (iterator ?? null), prevIterator: null, done };
  });
};
