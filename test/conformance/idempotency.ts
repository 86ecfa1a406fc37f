import { expect } from 'vitest';
import { NotFoundError } from '../../src/domain/errors.js';
import { idempotencyInProgressTtlMs } from '../../src/store/driver.js';
import { factoryEpoch } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

const day = 86_400_000;
const t0 = factoryEpoch;
const at = (ms: number) => new Date(t0.getTime() + ms);
const response = { statusCode: 202, body: '{"id":"msg_1"}', contentType: 'application/json' };

export function idempotencyArea(t: ConformanceContext): void {
  t.test('the first request with a key runs, a concurrent one sees it in progress, later ones replay the answer', async (store) => {
    expect(await store.idempotencyBegin({ key: 'k1', now: t0, expiresBefore: at(-day) })).toEqual({ state: 'new' });
    expect(await store.idempotencyBegin({ key: 'k1', now: at(1), expiresBefore: at(1 - day) })).toEqual({ state: 'in-progress' });
    await store.idempotencyComplete({ key: 'k1', response });
    expect(await store.idempotencyBegin({ key: 'k1', now: at(2), expiresBefore: at(2 - day) })).toEqual({ state: 'done', response });
  });

  t.test('keeps a null content type', async (store) => {
    await store.idempotencyBegin({ key: 'k2', now: t0, expiresBefore: at(-day) });
    await store.idempotencyComplete({ key: 'k2', response: { statusCode: 204, body: '', contentType: null } });
    expect(await store.idempotencyBegin({ key: 'k2', now: t0, expiresBefore: at(-day) })).toEqual({
      state: 'done',
      response: { statusCode: 204, body: '', contentType: null },
    });
  });

  t.test('a key older than expiresBefore counts as absent, whatever its state', async (store) => {
    await store.idempotencyBegin({ key: 'done', now: t0, expiresBefore: at(-day) });
    await store.idempotencyComplete({ key: 'done', response });
    await store.idempotencyBegin({ key: 'stuck', now: t0, expiresBefore: at(-day) });
    const later = at(day + 1);
    expect(await store.idempotencyBegin({ key: 'done', now: later, expiresBefore: at(1) })).toEqual({ state: 'new' });
    expect(await store.idempotencyBegin({ key: 'stuck', now: later, expiresBefore: at(1) })).toEqual({ state: 'new' });
    // Taken over: the new holder's key is in progress again.
    expect(await store.idempotencyBegin({ key: 'done', now: later, expiresBefore: at(1) })).toEqual({ state: 'in-progress' });
  });

  t.test('a key in progress for longer than idempotencyInProgressTtlMs is taken over; a done key is not', async (store) => {
    await store.idempotencyBegin({ key: 'crashed', now: t0, expiresBefore: at(-day) });
    await store.idempotencyBegin({ key: 'done', now: t0, expiresBefore: at(-day) });
    await store.idempotencyComplete({ key: 'done', response });
    const edge = at(idempotencyInProgressTtlMs);
    expect(await store.idempotencyBegin({ key: 'crashed', now: edge, expiresBefore: at(idempotencyInProgressTtlMs - day) })).toEqual({ state: 'in-progress' });
    const stale = at(idempotencyInProgressTtlMs + 1);
    expect(await store.idempotencyBegin({ key: 'crashed', now: stale, expiresBefore: at(idempotencyInProgressTtlMs + 1 - day) })).toEqual({ state: 'new' });
    // The new holder has the full time again, and can complete the key.
    const soon = at(2 * idempotencyInProgressTtlMs);
    expect(await store.idempotencyBegin({ key: 'crashed', now: soon, expiresBefore: at(2 * idempotencyInProgressTtlMs - day) })).toEqual({ state: 'in-progress' });
    await store.idempotencyComplete({ key: 'crashed', response });
    expect(await store.idempotencyBegin({ key: 'crashed', now: at(day - 1), expiresBefore: at(-1) })).toEqual({ state: 'done', response });
    expect(await store.idempotencyBegin({ key: 'done', now: stale, expiresBefore: at(idempotencyInProgressTtlMs + 1 - day) })).toEqual({ state: 'done', response });
  });

  t.test('abandoning frees the key for a retry but never drops a stored answer', async (store) => {
    await store.idempotencyBegin({ key: 'k3', now: t0, expiresBefore: at(-day) });
    await store.idempotencyAbandon({ key: 'k3' });
    expect(await store.idempotencyBegin({ key: 'k3', now: t0, expiresBefore: at(-day) })).toEqual({ state: 'new' });
    await store.idempotencyComplete({ key: 'k3', response });
    await store.idempotencyAbandon({ key: 'k3' });
    expect(await store.idempotencyBegin({ key: 'k3', now: t0, expiresBefore: at(-day) })).toEqual({ state: 'done', response });
    await expect(store.idempotencyAbandon({ key: 'never-seen' })).resolves.toBeUndefined();
  });

  t.test('throws NotFoundError when completing an unknown key', async (store) => {
    await expect(store.idempotencyComplete({ key: 'unknown', response })).rejects.toBeInstanceOf(NotFoundError);
  });
}
