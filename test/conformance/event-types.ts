import { expect } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/domain/errors.js';
import { eventType, insertEventType, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

export function eventTypesArea(t: ConformanceContext): void {
  t.test('stores an event type with its schemas and reads it back by name', async (store) => {
    const e = eventType({
      name: 'job.run.completed',
      schemas: { '1': { type: 'object', properties: { id: { type: 'string' } }, examples: [{ id: 'r1' }] } },
      featureFlag: 'beta',
      groupName: 'jobs',
      deprecated: true,
    });
    await store.eventTypeInsert(e);
    expect(await store.eventTypeGet({ name: 'job.run.completed' })).toEqual(e);
    expect(await store.eventTypeGet({ name: 'job.run.started' })).toBeNull();
  });

  t.test('throws ConflictError for a duplicate name', async (store) => {
    await insertEventType(store, { name: 'dup.event' });
    await expect(store.eventTypeInsert(eventType({ name: 'dup.event' }))).rejects.toBeInstanceOf(ConflictError);
  });

  t.test('lists by name and hides archived event types unless asked', async (store) => {
    await insertEventType(store, { name: 'b.event' });
    await insertEventType(store, { name: 'a.event' });
    await insertEventType(store, { name: 'c.event', archived: true });
    const live = await store.eventTypeList({ limit: 10, includeArchived: false });
    expect(live.data.map((e) => e.name)).toEqual(['a.event', 'b.event']);
    const all = await store.eventTypeList({ limit: 10, includeArchived: true });
    expect(all.data.map((e) => e.name)).toEqual(['a.event', 'b.event', 'c.event']);
    const desc = await store.eventTypeList({ limit: 10, includeArchived: true, order: 'descending' });
    expect(desc.data.map((e) => e.name)).toEqual(['c.event', 'b.event', 'a.event']);
  });

  t.test('names which of the given event types exist and are not archived', async (store) => {
    await insertEventType(store, { name: 'x.live' });
    await insertEventType(store, { name: 'x.archived', archived: true });
    const existing = await store.eventTypeNamesExisting({ names: ['x.live', 'x.archived', 'x.unknown'] });
    expect(existing).toEqual(['x.live']);
    expect(await store.eventTypeNamesExisting({ names: [] })).toEqual([]);
  });

  t.test('updates every field but the name', async (store) => {
    const e = await insertEventType(store);
    const changed = { ...e, description: 'changed', archived: true, schemas: { '1': { type: 'object' } }, featureFlag: 'f', updatedAt: tick() };
    await store.eventTypeUpdate(changed);
    expect(await store.eventTypeGet({ name: e.name })).toEqual(changed);
  });

  t.test('throws NotFoundError when updating or deleting a missing event type', async (store) => {
    await expect(store.eventTypeUpdate(eventType())).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.eventTypeDelete({ name: 'missing.event' })).rejects.toBeInstanceOf(NotFoundError);
  });

  t.test('deletes an event type', async (store) => {
    const e = await insertEventType(store);
    await store.eventTypeDelete({ name: e.name });
    expect(await store.eventTypeGet({ name: e.name })).toBeNull();
  });
}
