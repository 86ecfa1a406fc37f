import { expect } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/domain/errors.js';
import { newId } from '../../src/domain/ids.js';
import type { BackgroundTask } from '../../src/domain/types.js';
import { tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

export function settingsAndTasksArea(t: ConformanceContext): void {
  t.test('a setting reads null until put, then the last value put', async (store) => {
    expect(await store.settingGet({ key: 'admin.tokenHash' })).toBeNull();
    await store.settingPut({ key: 'admin.tokenHash', value: 'one' });
    await store.settingPut({ key: 'admin.tokenHash', value: 'two' });
    expect(await store.settingGet({ key: 'admin.tokenHash' })).toBe('two');
  });

  t.test('stores, updates and reads a background task', async (store) => {
    const task: BackgroundTask = { id: newId('qtask'), task: 'endpoint.recover', status: 'running', data: { since: '2026-01-01T00:00:00Z' }, updatedAt: tick() };
    await store.taskInsert(task);
    expect(await store.taskGet({ id: task.id })).toEqual(task);
    const finished: BackgroundTask = { ...task, status: 'finished', data: { ...task.data, requeued: 12 }, updatedAt: tick() };
    await store.taskUpdate(finished);
    expect(await store.taskGet({ id: task.id })).toEqual(finished);
    expect(await store.taskGet({ id: newId('qtask') })).toBeNull();
  });

  t.test('throws ConflictError for a duplicate task id and NotFoundError when updating a missing task', async (store) => {
    const task: BackgroundTask = { id: newId('qtask'), task: 'endpoint.replay', status: 'running', data: {}, updatedAt: tick() };
    await store.taskInsert(task);
    await expect(store.taskInsert(task)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.taskUpdate({ ...task, id: newId('qtask') })).rejects.toBeInstanceOf(NotFoundError);
  });
}
