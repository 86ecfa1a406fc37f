import { Type, type Static } from '@sinclair/typebox';
import type { ListOrder, Page } from '../domain/types.js';

/** Svix's list query: `limit` (1–250, default 50), `iterator`, `order`. */
export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 250, default: 50 }),
  iterator: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  order: Type.Optional(Type.Union([Type.Literal('ascending'), Type.Literal('descending')])),
});
export type ListQuery = Static<typeof ListQuery>;

export function listParams(q: ListQuery, orderDefault?: ListOrder) {
  return { limit: q.limit, iterator: q.iterator ?? null, order: q.order ?? orderDefault };
}

/** `ListResponse_*`: `{data, iterator, prevIterator, done}`. */
export function listResponse<T, O>(page: Page<T>, toOut: (item: T) => O) {
  return { data: page.data.map(toOut), iterator: page.iterator, prevIterator: page.prevIterator, done: page.done };
}
