import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../domain/errors.js';
import { isId } from '../../domain/ids.js';
import { getProfile } from '../../profiles/index.js';
import { findApp, findEndpoint, findMessage } from '../lookup.js';
import { visibleRequestHeaders } from '../redact.js';
import { IdOrUid } from '../schemas.js';

/**
 * `GET /app/{app}/msg/{msg}/attempt/{attempt}/request` (Herald extension, for the console): the
 * request an attempt sent, `{method, url, headers, body}`. Attempts record the headers sent; the
 * body is not stored per attempt because it depends only on the message, the endpoint's profile
 * and the application's uid (every retry sends the same bytes, DESIGN §4), so it is rebuilt here
 * the way the dispatcher builds it. It differs from what was sent only if the app's uid or the
 * endpoint's profile changed since; `body` is null once the payload was expunged.
 */
const AttemptPath = Type.Object({ app_id: IdOrUid, msg_id: IdOrUid, attempt_id: IdOrUid });

export const attemptRequestRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/app/:app_id/msg/:msg_id/attempt/:attempt_id/request', { schema: { params: AttemptPath } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const message = await findMessage(request, application, request.params.msg_id);
    const id = request.params.attempt_id;
    const attempt = isId('atmpt', id) ? await app.herald.store.attemptGet({ appId: application.id, msgId: message.id, id }) : null;
    if (!attempt) throw new NotFoundError(`attempt ${id} not found`);
    const endpoint = await findEndpoint(request, application, attempt.endpointId);
    const profile = getProfile(endpoint.profile);
    // The body needs no secret: only signatureHeaders does.
    const prepared = profile?.prepare({ endpoint, secrets: [] });
    const body = message.payload === null || !prepared ? null : prepared.body({ message, payload: message.payload, appUid: application.uid });
    return { method: 'POST', url: attempt.url, headers: visibleRequestHeaders(attempt.requestHeaders, request.caller) ?? {}, body };
  });
};
