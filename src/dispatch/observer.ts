import type { DeliveryOutcome } from '../store/driver.js';

/**
 * What the dispatcher tells the rest of Herald (metrics, operational webhooks) about its work:
 * the outcomes it has just written to the store, so an observer only ever reports what is durable.
 * Called synchronously from the outcome writer: an observer must return at once (queue its own
 * async work) and must not throw.
 */
export interface DispatchObserver {
  outcomesRecorded(outcomes: readonly DeliveryOutcome[]): void;
}

/** One observer that tells each of `list`, in order. */
export function observeAll(...list: DispatchObserver[]): DispatchObserver {
  return { outcomesRecorded: (outcomes) => list.forEach((o) => o.outcomesRecorded(outcomes)) };
}
