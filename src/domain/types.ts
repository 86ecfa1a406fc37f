import type { Id } from './ids.js';

/** Svix's `MessageStatus`: the state of a delivery, and the outcome of an attempt. */
export const MessageStatus = { Success: 0, Pending: 1, Fail: 2, Sending: 3, Canceled: 4 } as const;
export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];
export const messageStatusText = ['success', 'pending', 'fail', 'sending', 'canceled'] as const;

/** Svix's `MessageAttemptTriggerType`: 0 scheduled, 1 manual (resend, recover, replay). */
export const TriggerType = { Scheduled: 0, Manual: 1 } as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];

export type Metadata = Record<string, string>;

export interface Application {
  id: Id<'app'>;
  uid: string | null;
  name: string;
  rateLimit: number | null;
  metadata: Metadata;
  createdAt: Date;
  updatedAt: Date;
}

export interface EventType {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  /** Svix's `schemas`: `{"1": <JSON Schema with examples>}`; null when none. */
  schemas: Record<string, unknown> | null;
  featureFlag: string | null;
  groupName: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Endpoint {
  id: Id<'ep'>;
  appId: Id<'app'>;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  disabled: boolean;
  /** null means no filter (never an empty list). */
  filterTypes: string[] | null;
  channels: string[] | null;
  /** Messages per second; null is unlimited. */
  rateLimit: number | null;
  metadata: Metadata;
  headers: Record<string, string>;
  /** Sealed (encrypted) list of signing secrets; see `src/domain/secrets.ts`. */
  secrets: string;
  profile: string;
  profileOptions: Record<string, unknown>;
  payloadFilter: Record<string, unknown> | null;
  timeoutMs: number | null;
  /** Delays in seconds between attempts; null uses the profile's or the server's default. */
  retrySchedule: number[] | null;
  maxConcurrency: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Message {
  id: Id<'msg'>;
  appId: Id<'app'>;
  eventType: string;
  eventId: string | null;
  /** The payload's JSON text, exactly the bytes sent (byte-identical on every retry); null once expunged. */
  payload: string | null;
  channels: string[] | null;
  tags: string[] | null;
  timestamp: Date;
  /** When the payload may be purged (per-message `payloadRetentionPeriod`). */
  payloadExpiresAt: Date | null;
}

/** One (message, endpoint) pair and where it stands. */
export interface Delivery {
  appId: Id<'app'>;
  msgId: Id<'msg'>;
  endpointId: Id<'ep'>;
  status: MessageStatus;
  /** Attempts made in the current schedule (reset by resend/recover). */
  attemptCount: number;
  nextAttemptAt: Date | null;
  /** Trigger recorded on the next attempt. */
  triggerType: TriggerType;
  updatedAt: Date;
}

export interface Attempt {
  id: Id<'atmpt'>;
  appId: Id<'app'>;
  msgId: Id<'msg'>;
  endpointId: Id<'ep'>;
  url: string;
  /** Svix's `response`: the first 16 KiB of the body, or the reason there was none. */
  response: string;
  /** 0 when no HTTP response came back (timeout, refused, blocked, TLS). */
  responseStatusCode: number;
  responseHeaders: Record<string, string> | null;
  requestHeaders: Record<string, string> | null;
  responseDurationMs: number;
  status: MessageStatus;
  triggerType: TriggerType;
  timestamp: Date;
}

export const BackgroundTaskStatus = ['running', 'finished', 'failed'] as const;
export type BackgroundTaskStatus = (typeof BackgroundTaskStatus)[number];
export type BackgroundTaskType = 'endpoint.recover' | 'endpoint.replay';

export interface BackgroundTask {
  id: Id<'qtask'>;
  task: BackgroundTaskType;
  status: BackgroundTaskStatus;
  data: Record<string, unknown>;
  updatedAt: Date;
}

/** A stored answer for an `Idempotency-Key`, replayed for the same key within 24 h. */
export interface IdempotentResponse {
  statusCode: number;
  body: string;
  contentType: string | null;
}

export interface PortalToken {
  tokenHash: string;
  appId: Id<'app'>;
  expiresAt: Date;
  /** Svix's `AppPortalAccessIn.readOnly`: the token may read its app, never change it or read secrets. */
  readOnly: boolean;
}

export interface Page<T> {
  data: T[];
  /** The id (or name) to pass as `iterator` for the next page, null at the end. */
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

export type ListOrder = 'ascending' | 'descending';

export interface ListParams {
  limit: number;
  iterator?: string | null;
  order?: ListOrder;
}
