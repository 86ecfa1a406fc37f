import type { Id } from '../../domain/ids.js';
import type { Application, Attempt, Delivery, Endpoint, EventType, Message, MessageStatus, TriggerType } from '../../domain/types.js';

/**
 * Rows as SQLite returns them, and their mapping to domain objects. Column lists are written
 * once here so that every statement reading a table reads the same columns in the same order.
 */

export const applicationColumns = 'id, uid, name, rate_limit, metadata, created_at, updated_at';
export interface ApplicationRow {
  id: string;
  uid: string | null;
  name: string;
  rate_limit: number | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}
export function applicationFromRow(r: ApplicationRow): Application {
  return {
    id: r.id as Id<'app'>,
    uid: r.uid,
    name: r.name,
    rateLimit: r.rate_limit,
    metadata: JSON.parse(r.metadata) as Application['metadata'],
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}
export function applicationParams(a: Application): unknown[] {
  return [a.id, a.uid, a.name, a.rateLimit, JSON.stringify(a.metadata), a.createdAt.getTime(), a.updatedAt.getTime()];
}

export const eventTypeColumns = 'name, description, archived, deprecated, schemas, feature_flag, group_name, created_at, updated_at';
export interface EventTypeRow {
  name: string;
  description: string;
  archived: number;
  deprecated: number;
  schemas: string | null;
  feature_flag: string | null;
  group_name: string | null;
  created_at: number;
  updated_at: number;
}
export function eventTypeFromRow(r: EventTypeRow): EventType {
  return {
    name: r.name,
    description: r.description,
    archived: r.archived === 1,
    deprecated: r.deprecated === 1,
    schemas: r.schemas === null ? null : (JSON.parse(r.schemas) as Record<string, unknown>),
    featureFlag: r.feature_flag,
    groupName: r.group_name,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}
export function eventTypeParams(e: EventType): unknown[] {
  return [
    e.name,
    e.description,
    e.archived ? 1 : 0,
    e.deprecated ? 1 : 0,
    jsonOrNull(e.schemas),
    e.featureFlag,
    e.groupName,
    e.createdAt.getTime(),
    e.updatedAt.getTime(),
  ];
}

export const endpointColumns =
  'app_id, id, uid, url, description, version, disabled, filter_types, channels, rate_limit, metadata, headers, secrets, profile, profile_options, payload_filter, timeout_ms, retry_schedule, max_concurrency, created_at, updated_at';
export interface EndpointRow {
  app_id: string;
  id: string;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  disabled: number;
  filter_types: string | null;
  channels: string | null;
  rate_limit: number | null;
  metadata: string;
  headers: string;
  secrets: string;
  profile: string;
  profile_options: string;
  payload_filter: string | null;
  timeout_ms: number | null;
  retry_schedule: string | null;
  max_concurrency: number | null;
  created_at: number;
  updated_at: number;
}
export function endpointFromRow(r: EndpointRow): Endpoint {
  return {
    id: r.id as Id<'ep'>,
    appId: r.app_id as Id<'app'>,
    uid: r.uid,
    url: r.url,
    description: r.description,
    version: r.version,
    disabled: r.disabled === 1,
    filterTypes: parseOrNull<string[]>(r.filter_types),
    channels: parseOrNull<string[]>(r.channels),
    rateLimit: r.rate_limit,
    metadata: JSON.parse(r.metadata) as Endpoint['metadata'],
    headers: JSON.parse(r.headers) as Endpoint['headers'],
    secrets: r.secrets,
    profile: r.profile,
    profileOptions: JSON.parse(r.profile_options) as Endpoint['profileOptions'],
    payloadFilter: parseOrNull<Record<string, unknown>>(r.payload_filter),
    timeoutMs: r.timeout_ms,
    retrySchedule: parseOrNull<number[]>(r.retry_schedule),
    maxConcurrency: r.max_concurrency,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}
export function endpointParams(e: Endpoint): unknown[] {
  return [
    e.appId,
    e.id,
    e.uid,
    e.url,
    e.description,
    e.version,
    e.disabled ? 1 : 0,
    jsonOrNull(e.filterTypes),
    jsonOrNull(e.channels),
    e.rateLimit,
    JSON.stringify(e.metadata),
    JSON.stringify(e.headers),
    e.secrets,
    e.profile,
    JSON.stringify(e.profileOptions),
    jsonOrNull(e.payloadFilter),
    e.timeoutMs,
    jsonOrNull(e.retrySchedule),
    e.maxConcurrency,
    e.createdAt.getTime(),
    e.updatedAt.getTime(),
  ];
}

export const messageColumns = 'app_id, id, event_type, event_id, payload, channels, tags, created_at, payload_expires_at';
export interface MessageRow {
  app_id: string;
  id: string;
  event_type: string;
  event_id: string | null;
  payload: string | null;
  channels: string | null;
  tags: string | null;
  created_at: number;
  payload_expires_at: number | null;
}
export function messageFromRow(r: MessageRow): Message {
  return {
    id: r.id as Id<'msg'>,
    appId: r.app_id as Id<'app'>,
    eventType: r.event_type,
    eventId: r.event_id,
    payload: r.payload,
    channels: parseOrNull<string[]>(r.channels),
    tags: parseOrNull<string[]>(r.tags),
    timestamp: new Date(r.created_at),
    payloadExpiresAt: r.payload_expires_at === null ? null : new Date(r.payload_expires_at),
  };
}
export function messageParams(m: Message): unknown[] {
  return [
    m.appId,
    m.id,
    m.eventType,
    m.eventId,
    m.payload,
    jsonOrNull(m.channels),
    jsonOrNull(m.tags),
    m.timestamp.getTime(),
    m.payloadExpiresAt === null ? null : m.payloadExpiresAt.getTime(),
  ];
}

export const deliveryColumns = 'app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, trigger_type, updated_at';
export interface DeliveryRow {
  app_id: string;
  msg_id: string;
  endpoint_id: string;
  status: number;
  attempt_count: number;
  next_attempt_at: number | null;
  trigger_type: number;
  updated_at: number;
}
export function deliveryFromRow(r: DeliveryRow): Delivery {
  return {
    appId: r.app_id as Id<'app'>,
    msgId: r.msg_id as Id<'msg'>,
    endpointId: r.endpoint_id as Id<'ep'>,
    status: r.status as MessageStatus,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at === null ? null : new Date(r.next_attempt_at),
    triggerType: r.trigger_type as TriggerType,
    updatedAt: new Date(r.updated_at),
  };
}

export const attemptColumns =
  'app_id, id, msg_id, endpoint_id, url, response, response_status_code, response_headers, request_headers, response_duration_ms, status, trigger_type, created_at';
export interface AttemptRow {
  app_id: string;
  id: string;
  msg_id: string;
  endpoint_id: string;
  url: string;
  response: string;
  response_status_code: number;
  response_headers: string | null;
  request_headers: string | null;
  response_duration_ms: number;
  status: number;
  trigger_type: number;
  created_at: number;
}
export function attemptFromRow(r: AttemptRow): Attempt {
  return {
    id: r.id as Id<'atmpt'>,
    appId: r.app_id as Id<'app'>,
    msgId: r.msg_id as Id<'msg'>,
    endpointId: r.endpoint_id as Id<'ep'>,
    url: r.url,
    response: r.response,
    responseStatusCode: r.response_status_code,
    responseHeaders: parseOrNull<Record<string, string>>(r.response_headers),
    requestHeaders: parseOrNull<Record<string, string>>(r.request_headers),
    responseDurationMs: r.response_duration_ms,
    status: r.status as MessageStatus,
    triggerType: r.trigger_type as TriggerType,
    timestamp: new Date(r.created_at),
  };
}
export function attemptParams(a: Attempt): unknown[] {
  return [
    a.appId,
    a.id,
    a.msgId,
    a.endpointId,
    a.url,
    a.response,
    a.responseStatusCode,
    jsonOrNull(a.responseHeaders),
    jsonOrNull(a.requestHeaders),
    Math.round(a.responseDurationMs),
    a.status,
    a.triggerType,
    a.timestamp.getTime(),
  ];
}

export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function parseOrNull<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** `?, ?, …` for a column list. */
export function placeholders(columns: string): string {
  return columns
    .split(',')
    .map(() => '?')
    .join(', ');
}
