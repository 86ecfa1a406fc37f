import { afterEach, beforeEach, describe, it } from 'vitest';
import type { Store } from '../../src/store/driver.js';
import { applicationsArea } from './applications.js';
import { attemptsArea } from './attempts.js';
import { claimArea } from './claim.js';
import { deliveriesArea } from './deliveries.js';
import { endpointsArea } from './endpoints.js';
import { eventTypesArea } from './event-types.js';
import { idempotencyArea } from './idempotency.js';
import { maintenanceArea } from './maintenance.js';
import { messagesArea } from './messages.js';
import { migrationsArea } from './migrations.js';
import { paginationArea } from './pagination.js';
import { portalTokensArea } from './portal-tokens.js';
import { recordOutcomesArea } from './record-outcomes.js';
import { requeueArea } from './requeue.js';
import { settingsAndTasksArea } from './settings-and-tasks.js';
import { wakeUpsArea } from './wake-ups.js';

/**
 * The store conformance suite (STYLE §4): every assertion about the Store interface lives here
 * and runs against every driver, so the drivers cannot drift. Each test gets a fresh store.
 * Errors are asserted by class (`ConflictError`, `NotFoundError`), never by message.
 *
 * Every store change extends it: a new method gets its tests in the area file it belongs to.
 */
export interface StoreUnderTest {
  store: Store;
  close(): Promise<void>;
}

export interface ConformanceOptions {
  name: string;
  /** A fresh, migrated, empty store. */
  open: () => Promise<StoreUnderTest>;
  /** Tests this driver cannot pass yet, by full title (`"<area>: <title>"`), each with its reason. */
  skip?: Record<string, string>;
}

export interface ConformanceContext {
  /** Declares one test, run on a fresh store. */
  test(title: string, fn: (store: Store) => Promise<void>): void;
}

const areas: [string, (t: ConformanceContext) => void][] = [
  ['migrations', migrationsArea],
  ['applications', applicationsArea],
  ['event types', eventTypesArea],
  ['endpoints', endpointsArea],
  ['messages', messagesArea],
  ['claim', claimArea],
  ['record outcomes', recordOutcomesArea],
  ['requeue', requeueArea],
  ['deliveries', deliveriesArea],
  ['attempts', attemptsArea],
  ['pagination', paginationArea],
  ['idempotency', idempotencyArea],
  ['portal tokens', portalTokensArea],
  ['settings and tasks', settingsAndTasksArea],
  ['wake-ups', wakeUpsArea],
  ['maintenance', maintenanceArea],
];

export function runStoreConformance(options: ConformanceOptions): void {
  describe(`store conformance: ${options.name}`, () => {
    let current: StoreUnderTest | null = null;
    beforeEach(async () => {
      current = await options.open();
    });
    afterEach(async () => {
      await current?.close();
      current = null;
    });

    for (const [area, define] of areas) {
      describe(area, () => {
        define({
          test(title, fn) {
            const reason = options.skip?.[`${area}: ${title}`];
            if (reason !== undefined) {
              it.skip(`${title} (skipped: ${reason})`, () => {});
              return;
            }
            it(title, async () => {
              if (current === null) throw new Error('the store did not open');
              await fn(current.store);
            });
          },
        });
      });
    }
  });
}
