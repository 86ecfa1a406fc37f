import { NotFoundError } from '../../domain/errors.js';
import type { Id } from '../../domain/ids.js';
import type { BackgroundTask, BackgroundTaskStatus, BackgroundTaskType } from '../../domain/types.js';
import { Db } from './db.js';

interface TaskRow {
  id: string;
  task: string;
  status: string;
  data: Record<string, unknown>;
  updated_at: Date;
}

/** Background tasks (recover, replay-missing), as the API reports them (`qtask_…`). */
export function taskStatements(db: Db) {
  const insert = Db.statement('task_insert', 'INSERT INTO tasks (id, task, status, data, updated_at) VALUES ($1, $2, $3, $4, $5)');
  const update = Db.statement('task_update', 'UPDATE tasks SET task = $2, status = $3, data = $4, updated_at = $5 WHERE id = $1');
  const get = Db.statement('task_get', 'SELECT id, task, status, data, updated_at FROM tasks WHERE id = $1');
  const params = (t: BackgroundTask) => [t.id, t.task, t.status, JSON.stringify(t.data), t.updatedAt];
  return {
    async taskInsert(t: BackgroundTask): Promise<void> {
      await db.query(insert, params(t));
    },
    async taskUpdate(t: BackgroundTask): Promise<void> {
      if ((await db.count(update, params(t))) === 0) throw new NotFoundError('task not found');
    },
    async taskGet(p: { id: Id<'qtask'> }): Promise<BackgroundTask | null> {
      const [r] = await db.rows<TaskRow>(get, [p.id]);
      return r === undefined
        ? null
        : {
            id: r.id as Id<'qtask'>,
            task: r.task as BackgroundTaskType,
            status: r.status as BackgroundTaskStatus,
            data: r.data,
            updatedAt: r.updated_at,
          };
    },
  };
}
