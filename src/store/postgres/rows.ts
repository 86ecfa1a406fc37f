import type { Id } from '../../domain/ids.js';
import type { Application, Attempt, Delivery, Endpoint, EventType, Message, MessageStatus, TriggerType } from '../../domain/types.js';

/**
 * Rows as `pg` returns them (timestamptz → Date, jsonb → parsed value, smallint/integer →
 * number), and their mapping to domain objects. Column lists are written once here so that every
 * statement reading a table reads the same columns. Parameters are passed as text for JSON
 * (`JSON.stringify`, cast to jsonb in SQL): `pg` would turn a JS array into a PostgreSQL array.
 */

export const applicationColumns = 'id, uid, name, rate_limit, metadata, created_at, updated_at';
export interface ApplicationRow {
  id: string;
  uid: string | null;
  name: string;
  rate_limit: number | null;
  metadata: Application['metadata'];
  created_at: Date;
  updated_at: Date;
}
export function applicationFromRow(r: ApplicationRow): Application {
  return {
    id: r.id as Id<'app'>,
    uid: r.uid,
    name: r.name,
    rateLimit: r.rate_limit,
    metadata: r.metadata,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
/** In `applicationColumns` order. */
export function applicationParams(a: Application): unknown[] {
  return [a.id, a.uid, a.name, a.rateLimit, JSON.stringify(a.metadata), a.createdAt, a.updatedAt];
}

export const eventTypeColumns = 'name, description, archived, deprecated, schemas, feature_flag, group_name, created_at, updated_at';
export interface EventTypeRow {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, unknown> | null;
  feature_flag: string | null;
  group_name: string | null;
  created_at: Date;
  updated_at: Date;
}
export function eventTypeFromRow(r: EventTypeRow): EventType {
  return {
    name: r.name,
    description: r.description,
    archived: r.archived,
    deprecated: r.deprecated,
    schemas: r.schemas,
    featureFlag: r.feature_flag,
    groupName: r.group_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
export function eventTypeParams(e: EventType): unknown[] {
  return [e.name, e.description, e.archived, e.deprecated, jsonOrNull(e.schemas), e.featureFlag, e.groupName, e.createdAt, e.updatedAt];
}

export const endpointColumnList = [
  'app_id',
  'id',
  'uid',
  'url',
  'description',
  'version',
  'disabled',
  'filter_types',
  'channels',
  'rate_limit',
  'metadata',
  'headers',
  'secrets',
  'profile',
  'profile_options',
  'payload_filter',
  'timeout_ms',
  'retry_schedule',
  'max_concurrency',
  'created_at',
  'updated_at',
] as const;
export const endpointColumns = endpointColumnList.join(', ');
export interface EndpointRow {
  app_id: string;
  id: string;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  disabled: boolean;
  filter_types: string[] | null;
  channels: string[] | null;
  rate_limit: number | null;
  metadata: Endpoint['metadata'];
  headers: Endpoint['headers'];
  secrets: string;
  profile: string;
  profile_options: Endpoint['profileOptions'];
  payload_filter: Record<string, unknown> | null;
  timeout_ms: number | null;
  retry_schedule: number[] | null;
  max_concurrency: number | null;
  created_at: Date;
  updated_at: Date;
}
export function endpointFromRow(r: EndpointRow): Endpoint {
  return {
    id: r.id as Id<'ep'>,
    appId: r.app_id as Id<'app'>,
    uid: r.uid,
    url: r.url,
    description: r.description,
    version: r.version,
    disabled: r.disabled,
    filterTypes: r.filter_types,
    channels: r.channels,
    rateLimit: r.rate_limit,
    metadata: r.metadata,
    headers: r.headers,
    secrets: r.secrets,
    profile: r.profile,
    profileOptions: r.profile_options,
    payloadFilter: r.payload_filter,
    timeoutMs: r.timeout_ms,
    retrySchedule: r.retry_schedule,
    maxConcurrency: r.max_concurrency,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
/** In `endpointColumnList` order. */
export function endpointParams(e: Endpoint): unknown[] {
  return [
    e.appId,
    e.id,
    e.uid,
    e.url,
    e.description,
    e.version,
    e.disabled,
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
    e.createdAt,
    e.updatedAt,
  ];
}
export const messageColumns = 'app_id, id, event_type, event_id, payload, channels, tags, created_at, payload_expires_at';
export interface MessageRow {
  app_id: string;
  id: string;
  event_type: string;
  event_id: string | null;
  payload: string | null;
  channels: string[] | null;
  tags: string[] | null;
  created_at: Date;
  payload_expires_at: Date | null;
}
export function messageFromRow(r: MessageRow): Message {
  return {
    id: r.id as Id<'msg'>,
    appId: r.app_id as Id<'app'>,
    eventType: r.event_type,
    eventId: r.event_id,
    payload: r.payload,
    channels: r.channels,
    tags: r.tags,
    timestamp: r.created_at,
    payloadExpiresAt: r.payload_expires_at,
  };
}

export const deliveryColumns = 'app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, trigger_type, updated_at';
export interface DeliveryRow {
  app_id: string;
  msg_id: string;
  endpoint_id: string;
  status: number;
  attempt_count: number;
  next_attempt_at: Date | null;
  trigger_type: number;
  updated_at: Date;
}
export function deliveryFromRow(r: DeliveryRow): Delivery {
  return {
    appId: r.app_id as Id<'app'>,
    msgId: r.msg_id as Id<'msg'>,
    endpointId: r.endpoint_id as Id<'ep'>,
    status: r.status as MessageStatus,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    triggerType: r.trigger_type as TriggerType,
    updatedAt: r.updated_at,
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
  response_headers: Record<string, string> | null;
  request_headers: Record<string, string> | null;
  response_duration_ms: number;
  status: number;
  trigger_type: number;
  created_at: Date;
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
    responseHeaders: r.response_headers,
    requestHeaders: r.request_headers,
    responseDurationMs: r.response_duration_ms,
    status: r.status as MessageStatus,
    triggerType: r.trigger_type as TriggerType,
    timestamp: r.created_at,
  };
}

export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** `$1, $2, …` for a column list (column types give the parameters theirs). */
export function placeholders(columns: string, from = 1): string {
  return columns
    .split(',')
    .map((_, i) => `$${from + i}`)
    .join(', ');
}

/** `$1, $2, …` numbering parameters as they are added, for SQL assembled per call. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
