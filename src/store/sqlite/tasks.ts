import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../domain/errors.js';
import type { Id } from '../../domain/ids.js';
import type { BackgroundTask, BackgroundTaskStatus, BackgroundTaskType } from '../../domain/types.js';

interface TaskRow {
  id: string;
  task: string;
  status: string;
  data: string;
  updated_at: number;
}

/** Background tasks (recover, replay-missing), as the API reports them (`qtask_…`). */
export function taskStatements(db: Database) {
  const insert = db.prepare('INSERT INTO tasks (id, task, status, data, updated_at) VALUES (?, ?, ?, ?, ?)');
  const update = db.prepare('UPDATE tasks SET task = ?, status = ?, data = ?, updated_at = ? WHERE id = ?');
  const get = db.prepare('SELECT id, task, status, data, updated_at FROM tasks WHERE id = ?');
  return {
    taskInsert(t: BackgroundTask): void {
      insert.run(t.id, t.task, t.status, JSON.stringify(t.data), t.updatedAt.getTime());
    },
    taskUpdate(t: BackgroundTask): void {
      if (update.run(t.task, t.status, JSON.stringify(t.data), t.updatedAt.getTime(), t.id).changes === 0) throw new NotFoundError('task not found');
    },
    taskGet(p: { id: Id<'qtask'> }): BackgroundTask | null {
      const r = get.get(p.id) as TaskRow | undefined;
      return r === undefined
        ? null
        : {
            id: r.id as Id<'qtask'>,
            task: r.task as BackgroundTaskType,
            status: r.status as BackgroundTaskStatus,
            data: JSON.parse(r.data) as Record<string, unknown>,
            updatedAt: new Date(r.updated_at),
          };
    },
  };
}
