import { expect } from 'vitest';
import type { ListOrder, Page } from '../../src/domain/types.js';
import { insertApp, insertMessage } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

async function walk<T>(list: (iterator: string | null) => Promise<Page<T>>): Promise<{ items: T[]; pages: Page<T>[] }> {
  const pages: Page<T>[] = [];
  let iterator: string | null = null;
  for (;;) {
    const page = await list(iterator);
    pages.push(page);
    if (page.done) break;
    expect(page.iterator).not.toBeNull();
    iterator = page.iterator;
    if (pages.length > 100) throw new Error('paging does not end');
  }
  return { items: pages.flatMap((p) => p.data), pages };
}

export function paginationArea(t: ConformanceContext): void {
  for (const order of ['ascending', 'descending'] as ListOrder[]) {
    t.test(`walks every item exactly once, ${order}`, async (store) => {
      const ids = [];
      for (let i = 0; i < 7; i++) ids.push((await insertApp(store)).id);
      const { items, pages } = await walk((iterator) => store.applicationList({ limit: 3, order, iterator }));
      expect(items.map((a) => a.id)).toEqual(order === 'ascending' ? ids : [...ids].reverse());
      expect(pages.map((p) => p.data.length)).toEqual([3, 3, 1]);
      expect(pages.at(-1)?.iterator).toBeNull();
    });
  }

  t.test('a page that ends exactly at the last item is done', async (store) => {
    const a = await insertApp(store);
    for (let i = 0; i < 4; i++) await insertMessage(store, a.id, []);
    const first = await store.messageList({ appId: a.id, limit: 2 });
    expect(first.done).toBe(false);
    const second = await store.messageList({ appId: a.id, limit: 2, iterator: first.iterator });
    expect(second.data).toHaveLength(2);
    expect(second.done).toBe(true);
    expect(second.iterator).toBeNull();
  });

  t.test('an empty list is done with no iterator', async (store) => {
    const page = await store.applicationList({ limit: 10 });
    expect(page).toEqual({ data: [], iterator: null, prevIterator: null, done: true });
  });

  t.test('an iterator that is not an id still bounds the list by string order', async (store) => {
    const a1 = await insertApp(store);
    const a2 = await insertApp(store);
    expect((await store.applicationList({ limit: 10, iterator: 'app_' })).data.map((a) => a.id)).toEqual([a1.id, a2.id]);
    expect((await store.applicationList({ limit: 10, iterator: 'zzz', order: 'descending' })).data.map((a) => a.id)).toEqual([a2.id, a1.id]);
    expect((await store.applicationList({ limit: 10, iterator: 'zzz' })).data).toEqual([]);
  });

  t.test('event types page by name', async (store) => {
    for (const name of ['e.c', 'e.a', 'e.d', 'e.b']) {
      await store.eventTypeInsert({
        name,
        description: '',
        archived: false,
        deprecated: false,
        schemas: null,
        featureFlag: null,
        groupName: null,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    }
    const { items } = await walk((iterator) => store.eventTypeList({ limit: 3, iterator, includeArchived: false }));
    expect(items.map((e) => e.name)).toEqual(['e.a', 'e.b', 'e.c', 'e.d']);
  });
}
