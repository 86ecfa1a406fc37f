import type { Store } from './driver.js';

/**
 * The in-process half of `Store.onDeliveriesQueued`, shared by both drivers: a set of listeners
 * and the writes that call them. SQLite needs nothing more (one process owns delivery);
 * PostgreSQL adds NOTIFY for the other processes (`postgres/wake-ups.ts`).
 */
export class QueuedSignal {
  private readonly listeners = new Set<() => void>();

  listen(listener: () => void): () => void {
    // A wrapper per subscription, so the same function subscribed twice unsubscribes once each.
    const entry = () => listener();
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A wake-up is a hint; a listener's failure must not fail the write that committed.
      }
    }
  }
}

/** The writes after which deliveries may be due now. */
type QueueingWrites = Pick<
  Store,
  'messageInsert' | 'deliveryRequeue' | 'deliveryRequeueFailed' | 'deliveryInsert' | 'deliveryReleaseLeases' | 'deliveryReapExpiredLeases'
>;

/**
 * Wraps the queueing writes so that each calls `queued` once it has committed something a worker
 * could claim: an ingest with at least one delivery, a resend or replay, a recover or reap that
 * changed rows, a release of at least one lease. A failed write signals nothing.
 */
export function signalQueuedDeliveries<T extends QueueingWrites>(ops: T, queued: () => void): T {
  const after = <R>(promise: Promise<R>, when: (result: R) => boolean): Promise<R> =>
    promise.then((result) => {
      if (when(result)) queued();
      return result;
    });
  return {
    ...ops,
    messageInsert: (p) => after(ops.messageInsert(p), () => p.items.some((i) => i.endpointIds.length > 0)),
    deliveryRequeue: (p) => after(ops.deliveryRequeue(p), () => true),
    deliveryRequeueFailed: (p) => after(ops.deliveryRequeueFailed(p), (n) => n > 0),
    deliveryInsert: (p) => after(ops.deliveryInsert(p), () => p.msgIds.length > 0),
    deliveryReleaseLeases: (p) => after(ops.deliveryReleaseLeases(p), () => p.keys.length > 0),
    deliveryReapExpiredLeases: (p) => after(ops.deliveryReapExpiredLeases(p), (n) => n > 0),
  };
}

/** Signals raised by writes this store's connection did not make (another thread's, same file). */
export interface ForeignSignals {
  /** Joins `onDeliveriesQueued`. */
  queued?: QueuedSignal;
  /** Joins `onConfigWritten`. */
  configWritten?: QueuedSignal;
}

/**
 * The store with `foreign` joined to its own signals: the delivery thread hears the API thread's
 * ingests, and the API thread's lookup cache hears the delivery thread's endpoint disables
 * (`src/delivery-thread/`). Each subscription listens to both and unsubscribes from both.
 */
export function joinSignals(store: Store, foreign: ForeignSignals): Store {
  const join =
    (own: (listener: () => void) => () => void, other: QueuedSignal | undefined) =>
    (listener: () => void): (() => void) => {
      const stopOwn = own(listener);
      const stopOther = other?.listen(listener);
      return () => {
        stopOwn();
        stopOther?.();
      };
    };
  return {
    ...store,
    onDeliveriesQueued: join(store.onDeliveriesQueued.bind(store), foreign.queued),
    onConfigWritten: join(store.onConfigWritten.bind(store), foreign.configWritten),
  };
}
