import type { Id } from '../domain/ids.js';
import type { Application, Attempt, Endpoint, Message } from '../domain/types.js';

/**
 * Operational webhooks (Svix's "operational webhooks"): events about the organisation's own
 * endpoints and deliveries, sent to operational endpoints (`/api/v1/operational-webhook/endpoint`).
 * The bodies are Svix's published event shapes (`EndpointCreatedEvent`, `MessageAttemptExhaustedEvent`
 * …): `{"type": <event type>, "data": {…}}`.
 */
export const operationalEventTypes = [
  'endpoint.created',
  'endpoint.updated',
  'endpoint.deleted',
  'endpoint.disabled',
  'message.attempt.exhausted',
  'message.attempt.failing',
  'message.attempt.recovered',
] as const;
export type OperationalEventType = (typeof operationalEventTypes)[number];

export interface OperationalEvent {
  type: OperationalEventType;
  data: Record<string, unknown>;
}

/**
 * Svix sends `message.attempt.failing` when a delivery fails for the fourth time with retries
 * left, and `message.attempt.recovered` when one that was reported failing succeeds.
 */
export const failingAfterAttempts = 4;

type AppRef = Pick<Application, 'id' | 'uid'>;
type EndpointRef = Pick<Endpoint, 'id' | 'uid'>;

function endpointData(app: AppRef, endpoint: EndpointRef) {
  return { appId: app.id, appUid: app.uid, endpointId: endpoint.id, endpointUid: endpoint.uid };
}

/** `EndpointCreatedEvent`, `EndpointUpdatedEvent`, `EndpointDeletedEvent`. */
export function endpointEvent(type: 'endpoint.created' | 'endpoint.updated' | 'endpoint.deleted', app: AppRef, endpoint: EndpointRef): OperationalEvent {
  return { type, data: endpointData(app, endpoint) };
}

/** `EndpointDisabledEvent`: `automatic` after continuous failures or a 410, `manual` through the API. */
export function endpointDisabledEvent(app: AppRef, endpoint: EndpointRef, trigger: 'manual' | 'automatic', failSince: Date | null): OperationalEvent {
  return { type: 'endpoint.disabled', data: { ...endpointData(app, endpoint), failSince: failSince?.toISOString() ?? null, trigger } };
}

/** The events an endpoint write causes: `endpoint.updated`, and `endpoint.disabled` when it turned the endpoint off. */
export function endpointChangeEvents(app: AppRef, before: Endpoint, after: Endpoint): OperationalEvent[] {
  const events = [endpointEvent('endpoint.updated', app, after)];
  if (!before.disabled && after.disabled) events.push(endpointDisabledEvent(app, after, 'manual', null));
  return events;
}

/** `MessageAttemptExhaustedEvent`, `MessageAttemptFailingEvent`, `MessageAttemptRecoveredEvent`. */
export function attemptEvent(
  type: 'message.attempt.exhausted' | 'message.attempt.failing' | 'message.attempt.recovered',
  app: AppRef,
  message: Pick<Message, 'id' | 'eventId'>,
  endpointId: Id<'ep'>,
  attempt: Pick<Attempt, 'id' | 'responseStatusCode' | 'timestamp'>,
): OperationalEvent {
  return {
    type,
    data: {
      appId: app.id,
      appUid: app.uid,
      msgId: message.id,
      msgEventId: message.eventId,
      endpointId,
      lastAttempt: { id: attempt.id, responseStatusCode: attempt.responseStatusCode, timestamp: attempt.timestamp.toISOString() },
    },
  };
}
