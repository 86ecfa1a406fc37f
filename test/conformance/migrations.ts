import { expect } from 'vitest';
import type { ConformanceContext } from './index.js';

/**
 * The schema version every driver must reach. Migrations are numbered alike in every driver (one
 * number = one logical change), so adding one to a driver means raising this and adding it to
 * the others.
 */
export const expectedSchemaVersion = 3;

export function migrationsArea(t: ConformanceContext): void {
  t.test('a fresh store is migrated to the expected schema version', async (store) => {
    expect(await store.schemaVersion()).toBe(expectedSchemaVersion);
  });
}
