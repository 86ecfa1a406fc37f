import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { DispatchObserver } from '../dispatch/observer.js';
import { MessageStatus } from '../domain/types.js';
import type { DeliveryOutcome, Store } from '../store/driver.js';

/** What a delivery attempt's written outcome was: the label of `herald_delivery_attempts_total`. */
export function outcomeLabel(o: DeliveryOutcome): 'success' | 'retry' | 'exhausted' | 'endpoint_disabled' {
  if (o.status === MessageStatus.Success) return 'success';
  if (o.disableEndpoint) return 'endpoint_disabled';
  return o.status === MessageStatus.Pending ? 'retry' : 'exhausted';
}

/** One registry's metrics as prom-client exports them (what crosses from the delivery thread). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Attempt durations: 5 ms to the 60 s maximum timeout. */
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60];

/**
 * Herald's Prometheus metrics (`GET /metrics`), one registry per process (not prom-client's
 * global one, so that tests can build many). Counters count what this process did; the queue
 * gauges are read from the store at each scrape, so every API process reports the shared queue.
 * Names follow Prometheus conventions (`_total` counters, base units).
 */
export class HeraldMetrics implements DispatchObserver {
  readonly registry = new Registry();
  readonly messagesAccepted = new Counter({ name: 'herald_messages_accepted_total', help: 'Messages stored durably (accepted with 202), by this process', registers: [this.registry] });
  readonly attempts = new Counter({
    name: 'herald_delivery_attempts_total',
    help: 'Delivery attempts written, by outcome: success, retry (failed, another attempt scheduled), exhausted (failed, no attempt left), endpoint_disabled (410 Gone)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly attemptDuration = new Histogram({
    name: 'herald_attempt_duration_seconds',
    help: 'Duration of delivery attempts, from the request to the response (or the failure), by result',
    labelNames: ['result'] as const,
    buckets: durationBuckets,
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: 'herald_store_errors_total',
    help: 'Store operations that failed for a reason other than the request (unavailable database, timeouts, bugs), by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly queuePending = new Gauge({ name: 'herald_queue_pending', help: 'Pending deliveries of enabled endpoints (due now or waiting for a retry)', registers: [this.registry] });
  readonly queueDue = new Gauge({ name: 'herald_queue_due', help: 'Pending deliveries of enabled endpoints that are due now', registers: [this.registry] });
  readonly oldestDueAge = new Gauge({ name: 'herald_queue_oldest_due_age_seconds', help: 'How long the longest-waiting due delivery has been due (0 when none is)', registers: [this.registry] });
  readonly inFlight = new Gauge({
    name: 'herald_deliveries_in_flight',
    help: 'Deliveries being sent (leased by a worker), per endpoint; endpoints with none are not listed',
    labelNames: ['app_id', 'endpoint_id'] as const,
    registers: [this.registry],
  });

  /** Other threads' registries (the delivery thread's), read at each scrape; see `text()`. */
  private readonly sources: (() => Promise<MetricsJson>)[] = [];

  constructor(options: { processMetrics?: boolean } = {}) {
    // Process metrics (RSS, heap, open file descriptors, event-loop lag) for the soak and for operators.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'herald_' });
  }

  outcomesRecorded(outcomes: readonly DeliveryOutcome[]): void {
    for (const o of outcomes) {
      this.attempts.inc({ outcome: outcomeLabel(o) });
      const result = o.attempt.status === MessageStatus.Success ? 'success' : 'failure';
      this.attemptDuration.observe({ result }, o.attempt.responseDurationMs / 1000);
    }
  }

  /** Adds another thread's metrics to what `text()` reports (counters and histograms are summed). */
  addSource(read: () => Promise<MetricsJson>): void {
    this.sources.push(read);
  }

  /** The exposition: this registry's metrics, summed with every source's (`addSource`). */
  async text(): Promise<string> {
    if (this.sources.length === 0) return this.registry.metrics();
    const all = await Promise.all([this.registry.getMetricsAsJSON(), ...this.sources.map((read) => read())]);
    return AggregatorRegistry.aggregate(all).metrics();
  }

  /** Reads the queue gauges from the store (one scrape, one read; `deliveryQueueStats`). */
  async collectQueue(store: Store, now: Date): Promise<void> {
    const stats = await store.deliveryQueueStats({ now });
    this.queuePending.set(stats.pending);
    this.queueDue.set(stats.due);
    this.oldestDueAge.set(stats.due > 0 && stats.oldestDueAt ? Math.max(0, (now.getTime() - stats.oldestDueAt.getTime()) / 1000) : 0);
    this.inFlight.reset();
    for (const f of stats.inFlight) this.inFlight.set({ app_id: f.appId, endpoint_id: f.endpointId }, f.count);
  }
}
