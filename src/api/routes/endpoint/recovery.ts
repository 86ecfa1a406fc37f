import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ValidationError } from '../../../domain/errors.js';
import { newId, type Id } from '../../../domain/ids.js';
import { endpointMatches, matchInputOf } from '../../../domain/matching.js';
import type { BackgroundTask, BackgroundTaskType } from '../../../domain/types.js';
import { findApp, findEndpoint } from '../../lookup.js';
import { DateTime, EndpointPath, Nullable } from '../../schemas.js';
import { backgroundTaskOut } from '../background-task.js';

/**
 * `POST …/recover` (requeue the endpoint's failed deliveries since a time) and
 * `POST …/replay-missing` (deliver messages since a time that never went to the endpoint).
 * Both answer 202 with Svix's background-task object and create new attempts with
 * `triggerType: 1`.
 *
 * Both run to completion inside the request, so the task is answered `finished` with
 * `data.messagesSent`: recover is one UPDATE, and replay pages through the range in batches of
 * `replayBatchSize`. Svix runs them in a worker and answers `running`; the SDK accepts either.
 * Known limit: a replay over millions of messages holds the request for as long as it takes.
 */
export const RecoverIn = Type.Object({ since: DateTime, until: Type.Optional(Nullable(DateTime)) });
export const ReplayIn = RecoverIn;

const replayBatchSize = 1000;

/** [since, until) as dates; `until` defaults to just after now so that a message sent this millisecond counts. */
function rangeOf(body: { since: string; until?: string | null }, now: Date): { since: Date; until: Date } {
  const since = new Date(body.since);
  const until = body.until != null ? new Date(body.until) : new Date(now.getTime() + 1);
  if (since >= until) throw ValidationError.field(['body', 'since'], 'must be before until', 'value_error.range');
  return { since, until };
}

export const endpointRecoveryRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  async function finishedTask(task: BackgroundTaskType, messagesSent: number, now: Date): Promise<BackgroundTask> {
    const record: BackgroundTask = { id: newId('qtask', now), task, status: 'finished', data: { messagesSent }, updatedAt: now };
    await app.herald.store.taskInsert(record);
    if (messagesSent > 0) app.herald.onDeliveriesQueued?.();
    return record;
  }

  app.post('/app/:app_id/endpoint/:endpoint_id/recover', { schema: { params: EndpointPath, body: RecoverIn } }, async (request, reply) => {
    const { store, clock } = app.herald;
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    const now = clock.now();
    const { since, until } = rangeOf(request.body, now);
    const requeued = await store.deliveryRequeueFailed({ appId: application.id, endpointId: endpoint.id, since, until, now });
    return reply.code(202).send(backgroundTaskOut(await finishedTask('endpoint.recover', requeued, now)));
  });

  app.post('/app/:app_id/endpoint/:endpoint_id/replay-missing', { schema: { params: EndpointPath, body: ReplayIn } }, async (request, reply) => {
    const { store, clock } = app.herald;
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    const now = clock.now();
    const { since, until } = rangeOf(request.body, now);
    // Matching ignores `disabled`: replayed deliveries wait in the queue until the endpoint is enabled.
    const matcher = { ...endpoint, disabled: false };
    let afterId: Id<'msg'> | null = null;
    let sent = 0;
    for (;;) {
      const batch = await store.messageListWithoutDelivery({ appId: application.id, endpointId: endpoint.id, since, until, limit: replayBatchSize, afterId });
      if (batch.length === 0) break;
      afterId = batch[batch.length - 1]!.id;
      // An expunged payload has nothing left to send.
      const msgIds = batch.filter((m) => m.payload !== null && endpointMatches(matcher, matchInputOf(m))).map((m) => m.id);
      if (msgIds.length > 0) {
        await store.deliveryInsert({ appId: application.id, endpointId: endpoint.id, msgIds, now });
        sent += msgIds.length;
      }
      if (batch.length < replayBatchSize) break;
    }
    return reply.code(202).send(backgroundTaskOut(await finishedTask('endpoint.replay', sent, now)));
  });
};
