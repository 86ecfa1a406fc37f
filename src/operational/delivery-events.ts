import type { DispatchObserver } from '../dispatch/observer.js';
import { MessageStatus, type Application, type Message } from '../domain/types.js';
import type { DeliveryOutcome, Store } from '../store/driver.js';
import { attemptEvent, endpointDisabledEvent, failingAfterAttempts, type OperationalEvent } from './events.js';
import { isOperationalApp, type OperationalPublisher } from './publisher.js';

export interface DeliveryEventsLogger {
  warn(obj: object, msg?: string): void;
}

const reportedGoneMax = 10_000;

type Kind = 'endpoint.disabled' | 'message.attempt.exhausted' | 'message.attempt.failing' | 'message.attempt.recovered';

/** Which operational event a written outcome causes, if any. */
export function outcomeEventKind(o: DeliveryOutcome): Kind | null {
  if (isOperationalApp(o.key.appId)) return null;
  if (o.disableEndpoint) return 'endpoint.disabled';
  if (o.status === MessageStatus.Fail) return 'message.attempt.exhausted';
  if (o.status === MessageStatus.Pending && o.attemptCount === failingAfterAttempts) return 'message.attempt.failing';
  if (o.status === MessageStatus.Success && o.attemptCount > failingAfterAttempts) return 'message.attempt.recovered';
  return null;
}

/**
 * Turns the dispatcher's written outcomes into operational events (exhausted, failing, recovered,
 * and `endpoint.disabled` on a 410). Work is queued behind the dispatcher's back, one batch after
 * the other; when no operational endpoint exists it stops after one read, before any lookup.
 * A failure is logged and the batch's events are lost: they are notices, and the attempts they
 * report stay in the store.
 */
export class OperationalDeliveryEvents implements DispatchObserver {
  private chain: Promise<void> = Promise.resolve();
  /**
   * Endpoints already reported disabled by a 410: deliveries in flight to an endpoint when it
   * answered 410 answer 410 too, and one `endpoint.disabled` is enough. Bounded; a re-enabled
   * endpoint that is disabled again much later is reported again once the set has been cleared.
   */
  private readonly reportedGone = new Set<string>();

  constructor(private readonly deps: { store: Store; publisher: OperationalPublisher; logger: DeliveryEventsLogger }) {}

  outcomesRecorded(outcomes: readonly DeliveryOutcome[]): void {
    const relevant = outcomes.filter((o) => outcomeEventKind(o) !== null && this.firstReport(o));
    if (relevant.length === 0) return;
    this.chain = this.chain
      .then(() => this.publish(relevant))
      .catch((err: unknown) => this.deps.logger.warn({ err, count: relevant.length }, 'operational webhooks: could not queue delivery events'));
  }

  private firstReport(o: DeliveryOutcome): boolean {
    if (!o.disableEndpoint) return true;
    if (this.reportedGone.has(o.key.endpointId)) return false;
    if (this.reportedGone.size >= reportedGoneMax) this.reportedGone.clear();
    this.reportedGone.add(o.key.endpointId);
    return true;
  }

  /** Resolves once every batch handed over so far is published (tests, graceful stop). */
  settled(): Promise<void> {
    return this.chain;
  }

  private async publish(outcomes: DeliveryOutcome[]): Promise<void> {
    const subscribers = await this.deps.publisher.subscribers();
    if (subscribers.length === 0) return;
    const events: OperationalEvent[] = [];
    const apps = new Map<string, Application | null>();
    for (const o of outcomes) {
      const app = apps.get(o.key.appId) ?? (await this.deps.store.applicationGet({ idOrUid: o.key.appId }));
      apps.set(o.key.appId, app);
      const event = app && (await this.eventOf(o, app));
      if (event) events.push(event);
    }
    await this.deps.publisher.publish(events, subscribers);
  }

  private async eventOf(o: DeliveryOutcome, app: Application): Promise<OperationalEvent | null> {
    const kind = outcomeEventKind(o)!;
    if (kind === 'endpoint.disabled') {
      const endpoint = await this.deps.store.endpointGet({ appId: app.id, idOrUid: o.key.endpointId });
      return endpoint && endpointDisabledEvent(app, endpoint, 'automatic', null);
    }
    const message: Pick<Message, 'id' | 'eventId'> = (await this.deps.store.messageGet({ appId: app.id, idOrEventId: o.key.msgId })) ?? { id: o.key.msgId, eventId: null };
    return attemptEvent(kind, app, message, o.key.endpointId, o.attempt);
  }
}
