import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { BadRequestError, ConflictError, ForbiddenError, ValidationError } from '../../domain/errors.js';
import { MessageStatus, type Application, type Endpoint } from '../../domain/types.js';
import { isRelayUrl, relayHub, relayUrl, type RelayReply, type RelaySession } from '../../dispatch/relay-transport.js';
import { getProfile, profileNameDefault, profileNames } from '../../profiles/index.js';
import { findApp } from '../lookup.js';
import { AppPath } from '../schemas.js';
import { newEndpoint } from './endpoint/crud.js';
import { currentSecret, sealNewSecret } from './endpoint/secret.js';

/**
 * `GET /api/v1/app/{app}/listen` (WebSocket): the session of `herald listen`.
 *
 * Before the upgrade (so that a refusal is an ordinary HTTP error): the caller's token is checked
 * like any API call (admin, or a portal token of this app that is not read-only), and the app's
 * relay endpoint named `name` (uid `herald-listen-<name>`, URL `herald-relay://<its id>`) is
 * found or created, with `profile` when given. After it: the session is attached to the relay
 * hub, Herald sends `{type: 'ready', appId, endpointId, endpointUid, secret, profile}`, and makes
 * the endpoint's pending deliveries (those that failed while no session was connected) due at
 * once. Deliveries then travel as frames (see `relay-transport.ts`); the socket is pinged every
 * `pingIntervalMs` and dropped when a ping goes unanswered.
 */
const ListenQuery = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9\\-_.]+$' })),
  profile: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export const listenUidPrefix = 'herald-listen-';
const pingIntervalMs = 15_000;
const requeuePageSize = 250;

declare module 'fastify' {
  interface FastifyRequest {
    relayEndpoint?: Endpoint;
  }
}

export const listenRoutes: FastifyPluginAsync = async (plain) => {
  await plain.register(websocket, { options: { maxPayload: 32 * 1024 * 1024 } });
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/app/:app_id/listen',
    {
      websocket: true,
      schema: { params: AppPath, querystring: ListenQuery },
      preHandler: async (request) => {
        // A plain GET would otherwise create the relay endpoint here, then get @fastify/websocket's bodiless 404.
        if (!request.ws) throw new BadRequestError('this route speaks WebSocket: connect with "Upgrade: websocket" (`herald listen` does)');
        if (request.caller.kind === 'app' && request.caller.readOnly) throw new ForbiddenError('a read-only app-portal token cannot open a listen session');
        const { app_id } = request.params as { app_id: string };
        const query = request.query as { name?: string; profile?: string };
        const application = await findApp(request, app_id);
        request.relayEndpoint = await relayEndpoint(request, application, query.name ?? 'default', query.profile);
      },
    },
    (socket, request) => serveSession(request, socket),
  );
};

async function relayEndpoint(request: FastifyRequest, application: Application, name: string, profile: string | undefined): Promise<Endpoint> {
  const { store, clock, secretBox } = request.server.herald;
  const uid = `${listenUidPrefix}${name}`;
  const existing = await store.endpointGet({ appId: application.id, idOrUid: uid });
  if (existing && !isRelayUrl(existing.url)) throw new ConflictError(`endpoint ${uid} exists and is not a relay endpoint; pick another --name`);
  if (existing) {
    if (profile === undefined || profile === existing.profile) return existing;
    const updated = { ...existing, profile, profileOptions: {}, updatedAt: clock.now() };
    checkProfile(updated);
    await store.endpointUpdate(updated);
    return updated;
  }
  const now = clock.now();
  const draft = newEndpoint(application, { url: 'herald-relay://pending', uid, description: `herald listen relay "${name}"`, profile: profile ?? profileNameDefault }, sealNewSecret(secretBox, null), now);
  const created = { ...draft, url: relayUrl(draft.id) };
  checkProfile(created);
  await store.endpointInsert(created);
  return created;
}

/** The profile must exist (its options are left empty); the same 422 as the endpoint routes. */
function checkProfile(endpoint: Endpoint): void {
  if (getProfile(endpoint.profile)) return;
  throw ValidationError.field(['querystring', 'profile'], `unknown profile "${endpoint.profile}"; known: ${profileNames().join(', ')}`, 'value_error.profile');
}

function serveSession(request: FastifyRequest, socket: WebSocket): void {
  const endpoint = request.relayEndpoint!;
  const { secretBox, logger } = request.server.herald;
  const session: RelaySession = { send: (frame) => socket.send(frame) };
  const detach = relayHub.attach(endpoint.id, session);
  let alive = true;
  const ping = setInterval(() => {
    if (!alive) return void socket.terminate();
    alive = false;
    socket.ping();
  }, pingIntervalMs);
  socket.on('pong', () => (alive = true));
  socket.on('message', (data) => {
    const reply = parseReply(String(data));
    if (reply) relayHub.receive(session, reply);
  });
  socket.on('close', () => {
    clearInterval(ping);
    detach();
  });
  socket.send(JSON.stringify({ type: 'ready', appId: endpoint.appId, endpointId: endpoint.id, endpointUid: endpoint.uid, secret: currentSecret(secretBox, endpoint), profile: endpoint.profile }));
  requeuePending(request, endpoint).catch((err: unknown) => logger?.warn({ err, endpointId: endpoint.id }, 'listen: could not requeue pending deliveries'));
}

function parseReply(text: string): RelayReply | null {
  try {
    const frame = JSON.parse(text) as RelayReply;
    if (typeof frame.id !== 'string') return null;
    if (frame.type === 'response' && Number.isInteger(frame.status)) return frame;
    if (frame.type === 'failure' && typeof frame.reason === 'string') return frame;
  } catch {
    // not a frame
  }
  return null;
}

/** What failed while no session was connected goes out now instead of at its next retry. */
async function requeuePending(request: FastifyRequest, endpoint: Endpoint): Promise<void> {
  const { store, clock } = request.server.herald;
  let iterator: string | null = null;
  do {
    const page = await store.deliveryListByEndpoint({ appId: endpoint.appId, endpointId: endpoint.id, status: MessageStatus.Pending, limit: requeuePageSize, iterator });
    for (const { delivery } of page.data) await store.deliveryRequeue({ appId: delivery.appId, msgId: delivery.msgId, endpointId: delivery.endpointId, now: clock.now() });
    iterator = page.done ? null : page.iterator;
  } while (iterator);
}
