import type { Clock } from '../domain/clock.js';
import type { DeliveryKey, DeliveryOutcome, Store } from '../store/driver.js';
import type { DispatchLogger } from './claim-loop-options.js';
import type { DispatchObserver } from './observer.js';

/** Retrying failed outcome writes: after 1 s, doubling up to 8 s while the store stays away. */
const flushRetryMinMs = 1_000;
const flushRetryMaxMs = 8_000;

export interface OutcomeWriterDeps {
  store: Store;
  clock: Clock;
  logger: DispatchLogger;
  /** Outcomes per `deliveryRecordOutcomes` call. */
  batchSize: number;
  /** Told of each batch of outcomes once it is written (metrics, operational webhooks). */
  observer?: DispatchObserver;
  /** After each flush that wrote `written` outcomes (the store now counts their places free). */
  afterFlush: (written: number) => void;
}

/**
 * The dispatcher's write side: outcomes and lease releases are buffered and written in batches.
 * Completions in the same turn of the event loop share one write; while a write is running the
 * next batch accumulates behind it, so under load each `deliveryRecordOutcomes` carries many
 * outcomes (group commit, as ingest does). A failed write keeps its outcomes and is retried with
 * a backoff (and at once on `retryNow`, when the store is seen working again).
 */
export class OutcomeWriter {
  private outcomes: DeliveryOutcome[] = [];
  private releases: DeliveryKey[] = [];
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = flushRetryMinMs;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: OutcomeWriterDeps) {}

  add(outcome: DeliveryOutcome): void {
    this.outcomes.push(outcome);
    if (this.outcomes.length >= this.deps.batchSize) void this.flush();
    else this.schedule();
  }

  /** Returns claimed deliveries to the queue without an attempt. */
  release(keys: DeliveryKey[]): void {
    if (keys.length === 0) return;
    this.releases.push(...keys);
    this.schedule();
  }

  flush(): Promise<void> {
    // The chain must never reject: one rejected link would skip every later flush, and the
    // deliveries would stay leased until the reaper (2 min by default).
    this.chain = this.chain
      .then(() => this.flushNow())
      .catch((err: unknown) => this.deps.logger.error({ err }, 'dispatcher: writing outcomes crashed; the next flush tries again'));
    return this.chain;
  }

  /** The store answers again: write what waited for it now rather than at the next retry. */
  retryNow(): void {
    if (!this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    void this.flush();
  }

  /** No more retries by timer; a last `flush()` is the caller's. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flushNow(): Promise<void> {
    let written = 0;
    while (this.outcomes.length > 0) {
      const batch = this.outcomes.splice(0, this.deps.batchSize);
      try {
        await this.deps.store.deliveryRecordOutcomes({ outcomes: batch });
      } catch (err) {
        this.outcomes.unshift(...batch);
        const level = this.retryMs === flushRetryMinMs ? 'error' : 'debug';
        this.deps.logger[level]({ err, count: this.outcomes.length }, `dispatcher: recording outcomes failed; retrying in ${this.retryMs} ms`);
        this.retryLater();
        return;
      }
      written += batch.length;
      this.observe(batch);
      if (this.retryMs !== flushRetryMinMs) this.deps.logger.info({}, 'dispatcher: recording outcomes works again');
      this.retryMs = flushRetryMinMs;
    }
    await this.releaseNow();
    this.deps.afterFlush(written);
  }

  /** Observers must not throw (`observer.ts`); one that does costs a log line, not the writer. */
  private observe(batch: DeliveryOutcome[]): void {
    try {
      this.deps.observer?.outcomesRecorded(batch);
    } catch (err) {
      this.deps.logger.error({ err }, 'dispatcher: an outcome observer threw');
    }
  }

  private async releaseNow(): Promise<void> {
    if (this.releases.length === 0) return;
    const keys = this.releases;
    this.releases = [];
    try {
      await this.deps.store.deliveryReleaseLeases({ keys, now: this.deps.clock.now() });
    } catch (err) {
      // The leases expire on their own and the reaper returns the deliveries.
      this.deps.logger.warn({ err, count: keys.length }, 'dispatcher: releasing leases failed; they will expire instead');
    }
  }

  private retryLater(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.flush();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, flushRetryMaxMs);
  }
}
