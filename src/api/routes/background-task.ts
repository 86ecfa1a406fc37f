import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../domain/errors.js';
import type { Id } from '../../domain/ids.js';
import type { BackgroundTask } from '../../domain/types.js';
import { adminOnly } from '../lookup.js';
import { DateTime, iso } from '../schemas.js';

export const BackgroundTaskOut = Type.Object({
  id: Type.String(),
  status: Type.String(),
  task: Type.String(),
  data: Type.Object({}, { additionalProperties: true }),
  updatedAt: DateTime,
});
export type BackgroundTaskOut = Static<typeof BackgroundTaskOut>;

export function backgroundTaskOut(task: BackgroundTask): BackgroundTaskOut {
  return { id: task.id, status: task.status, task: task.task, data: task.data, updatedAt: iso(task.updatedAt) };
}

const TaskPath = Type.Object({ task_id: Type.String({ pattern: '^qtask_[A-Za-z0-9]{27}$' }) });

/**
 * `/background-task/{task_id}`: the tasks that recover and replay-missing answer with (admin
 * token; the svix SDK's `backgroundTask.get`). Svix also lists tasks (`GET /background-task`);
 * Herald does not, because the Store has no task listing.
 */
export const backgroundTaskRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/background-task/:task_id', { onRequest: adminOnly, schema: { params: TaskPath } }, async (request) => {
    const { task_id } = request.params;
    const task = await app.herald.store.taskGet({ id: task_id as Id<'qtask'> });
    if (!task) throw new NotFoundError(`background task ${task_id} not found`);
    return backgroundTaskOut(task);
  });
};
