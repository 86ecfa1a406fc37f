import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Db } from './db.js';
import { notifySpacingMs, PostgresWakeUps } from './wake-ups.js';

/** The NOTIFY side on a stand-in pool: which statements go out, and when (the LISTEN side runs on PostgreSQL in test/conformance/postgres.test.ts). */
describe('PostgresWakeUps NOTIFY spacing', () => {
  let sent: unknown[][];
  let wakeUps: PostgresWakeUps;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    sent = [];
    const db = { query: async (_s: unknown, values: unknown[]) => void sent.push(values) } as unknown as Db;
    wakeUps = new PostgresWakeUps(db, { connectionString: 'postgres://unused', applicationName: 'test', schema: 'tenant_a' });
  });
  afterEach(() => {
    wakeUps.close();
    vi.useRealTimers();
  });

  it('announces the first commit at once and a burst after it with one more NOTIFY', async () => {
    for (let i = 0; i < 100; i++) wakeUps.queued();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    expect(String(sent[0]![0])).toMatch(/^tenant_a [0-9a-f]{12}$/);
    await vi.advanceTimersByTimeAsync(notifySpacingMs);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(10 * notifySpacingMs);
    expect(sent).toHaveLength(2);
  });

  it('announces an isolated commit at once', async () => {
    wakeUps.queued();
    await vi.advanceTimersByTimeAsync(5 * notifySpacingMs);
    wakeUps.queued();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(2);
  });
});
