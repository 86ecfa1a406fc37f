import { newId, type Id } from '../../src/domain/ids.js';
import { generateSecret, SecretBox } from '../../src/domain/secrets.js';
import { generateToken, hashToken, portalTokenPrefix } from '../../src/domain/tokens.js';
import {
  MessageStatus,
  TriggerType,
  type Application,
  type Attempt,
  type Endpoint,
  type EventType,
  type Message,
} from '../../src/domain/types.js';
import type { DeliveryKey, Store } from '../../src/store/driver.js';

/**
 * Builders of full domain objects with sensible defaults, and helpers that store them (STYLE §6).
 *
 * Times: unless given, each object is stamped one millisecond after the previous one, starting
 * at `factoryEpoch`, and its id is minted at that instant. So objects built in order have ids in
 * order, and time-range tests can place messages exactly.
 */
export const factoryEpoch = new Date('2026-01-01T00:00:00Z');
let lastMs = factoryEpoch.getTime();

/** The next factory instant (each call one millisecond later). */
export function tick(): Date {
  lastMs += 1;
  return new Date(lastMs);
}

/** A fixed master key, so that tests can open what the factory sealed. */
export const testSecretBox = new SecretBox(Buffer.alloc(32, 7));

let serial = 0;

export function app(overrides: Partial<Application> = {}): Application {
  const at = overrides.createdAt ?? tick();
  return {
    id: newId('app', at),
    uid: null,
    name: `Test app ${++serial}`,
    rateLimit: null,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function eventType(overrides: Partial<EventType> = {}): EventType {
  const at = overrides.createdAt ?? tick();
  return {
    name: `test.event.${++serial}`,
    description: 'An event for tests',
    archived: false,
    deprecated: false,
    schemas: null,
    featureFlag: null,
    groupName: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function endpoint(appId: Id<'app'>, overrides: Partial<Endpoint> = {}): Endpoint {
  const at = overrides.createdAt ?? tick();
  return {
    id: newId('ep', at),
    appId,
    uid: null,
    url: `https://receiver.example.com/hooks/${++serial}`,
    description: '',
    version: 1,
    disabled: false,
    filterTypes: null,
    channels: null,
    rateLimit: null,
    metadata: {},
    headers: {},
    secrets: testSecretBox.seal([{ key: generateSecret(), expiresAt: null }]),
    profile: 'standard',
    profileOptions: {},
    payloadFilter: null,
    timeoutMs: null,
    retrySchedule: null,
    maxConcurrency: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function message(appId: Id<'app'>, overrides: Partial<Message> = {}): Message {
  const at = overrides.timestamp ?? tick();
  return {
    id: newId('msg', at),
    appId,
    eventType: 'test.event',
    eventId: null,
    payload: JSON.stringify({ n: ++serial, text: 'héllo' }),
    channels: null,
    tags: null,
    timestamp: at,
    payloadExpiresAt: null,
    ...overrides,
  };
}

/** A finished attempt of the delivery: a 200 unless told otherwise. */
export function attempt(key: DeliveryKey, overrides: Partial<Attempt> = {}): Attempt {
  const at = overrides.timestamp ?? tick();
  return {
    id: newId('atmpt', at),
    ...key,
    url: 'https://receiver.example.com/hooks',
    response: 'ok',
    responseStatusCode: 200,
    responseHeaders: { 'content-type': 'text/plain' },
    requestHeaders: { 'content-type': 'application/json' },
    responseDurationMs: 12,
    status: MessageStatus.Success,
    triggerType: TriggerType.Scheduled,
    timestamp: at,
    ...overrides,
  };
}

export async function insertApp(store: Store, overrides: Partial<Application> = {}): Promise<Application> {
  const a = app(overrides);
  await store.applicationInsert(a);
  return a;
}

export async function insertEventType(store: Store, overrides: Partial<EventType> = {}): Promise<EventType> {
  const e = eventType(overrides);
  await store.eventTypeInsert(e);
  return e;
}

export async function insertEndpoint(store: Store, appId: Id<'app'>, overrides: Partial<Endpoint> = {}): Promise<Endpoint> {
  const e = endpoint(appId, overrides);
  await store.endpointInsert(e);
  return e;
}

/** Stores an app-portal token for `appId` (valid until 2027, full access unless `readOnly`) and returns the token. */
export async function insertPortalToken(store: Store, appId: Id<'app'>, opts: { readOnly?: boolean } = {}): Promise<string> {
  const token = generateToken(portalTokenPrefix);
  await store.portalTokenInsert({ tokenHash: hashToken(token), appId, expiresAt: new Date('2027-01-01T00:00:00Z'), readOnly: opts.readOnly ?? false });
  return token;
}

/** Stores a message with pending deliveries to `endpointIds`, due at `now` (default: its timestamp). */
export async function insertMessage(
  store: Store,
  appId: Id<'app'>,
  endpointIds: Id<'ep'>[],
  overrides: Partial<Message> = {},
  now?: Date,
): Promise<Message> {
  const m = message(appId, overrides);
  await store.messageInsert({ items: [{ message: m, endpointIds }], now: now ?? m.timestamp });
  return m;
}

export interface DeliverySpec {
  appId: Id<'app'>;
  endpointId: Id<'ep'>;
  status?: MessageStatus;
  /** When a pending delivery is due (default: the message's time). */
  nextAttemptAt?: Date;
  message?: Partial<Message>;
}

/**
 * A message with one delivery in the given state. Pending and due at its message's time unless
 * told otherwise; any other state (or a later due time) is reached the way the dispatcher reaches
 * it, by recording an attempt.
 */
export async function insertDelivery(store: Store, spec: DeliverySpec): Promise<{ message: Message; key: DeliveryKey }> {
  const m = await insertMessage(store, spec.appId, [spec.endpointId], spec.message);
  const key: DeliveryKey = { appId: spec.appId, msgId: m.id, endpointId: spec.endpointId };
  const status = spec.status ?? MessageStatus.Pending;
  if (status !== MessageStatus.Pending || spec.nextAttemptAt !== undefined) {
    const failed = status !== MessageStatus.Success;
    await store.deliveryRecordOutcomes({
      outcomes: [
        {
          key,
          attempt: attempt(key, failed ? { status: MessageStatus.Fail, responseStatusCode: 500, response: 'boom' } : {}),
          status,
          nextAttemptAt: status === MessageStatus.Pending ? (spec.nextAttemptAt ?? m.timestamp) : null,
          attemptCount: 1,
          disableEndpoint: false,
        },
      ],
    });
  }
  return { message: m, key };
}
