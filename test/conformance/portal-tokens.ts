import { expect } from 'vitest';
import { ConflictError } from '../../src/domain/errors.js';
import { insertApp, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

export function portalTokensArea(t: ConformanceContext): void {
  t.test('finds a token by its hash until it expires', async (store) => {
    const a = await insertApp(store);
    const now = tick();
    const token = { tokenHash: 'sha256-abc', appId: a.id, expiresAt: new Date(now.getTime() + 1000), readOnly: false };
    await store.portalTokenInsert(token);
    expect(await store.portalTokenGet({ tokenHash: 'sha256-abc', now })).toEqual(token);
    expect(await store.portalTokenGet({ tokenHash: 'sha256-abc', now: token.expiresAt })).toBeNull();
    expect(await store.portalTokenGet({ tokenHash: 'sha256-other', now })).toBeNull();
  });

  t.test('keeps whether a token is read-only', async (store) => {
    const a = await insertApp(store);
    const now = tick();
    const expiresAt = new Date(now.getTime() + 1000);
    await store.portalTokenInsert({ tokenHash: 'sha256-ro', appId: a.id, expiresAt, readOnly: true });
    await store.portalTokenInsert({ tokenHash: 'sha256-rw', appId: a.id, expiresAt, readOnly: false });
    expect((await store.portalTokenGet({ tokenHash: 'sha256-ro', now }))!.readOnly).toBe(true);
    expect((await store.portalTokenGet({ tokenHash: 'sha256-rw', now }))!.readOnly).toBe(false);
  });

  t.test('throws ConflictError for a duplicate token hash', async (store) => {
    const a = await insertApp(store);
    const token = { tokenHash: 'sha256-dup', appId: a.id, expiresAt: tick(), readOnly: false };
    await store.portalTokenInsert(token);
    await expect(store.portalTokenInsert(token)).rejects.toBeInstanceOf(ConflictError);
  });
}
