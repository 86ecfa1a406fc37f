import { Type } from '@sinclair/typebox';
import { ValidationError } from '../domain/errors.js';
import type { IdPrefix } from '../domain/ids.js';

/** Building blocks shared by the route schemas, with Svix's limits. */
export const uidPattern = '^[a-zA-Z0-9\\-_.]+$';
export const Uid = Type.String({ minLength: 1, maxLength: 256, pattern: uidPattern });
export const EventTypeName = Type.String({ minLength: 1, maxLength: 256, pattern: uidPattern });

/**
 * A map of string values (metadata, custom headers). Not `Type.Record(Type.String(), …)`: TypeBox
 * renders that as `patternProperties: {"^(.*)$": …}`, and `.` does not match a line break, so a
 * key containing "\n" escaped the value check (`{"metadata": {"a\nb": 5}}` passed and stored a
 * number). `additionalProperties` applies to every key.
 */
export const StringMap = Type.Unsafe<Record<string, string>>(Type.Object({}, { additionalProperties: Type.String() }));
/** A `StringMap` whose values may be null (a header patch: null removes the header). */
export const NullableStringMap = Type.Unsafe<Record<string, string | null>>(
  Type.Object({}, { additionalProperties: Type.Union([Type.String(), Type.Null()]) }),
);

export const Name = Type.String({ minLength: 1, maxLength: 256 });
export const Description = Type.String({ maxLength: 4096 });
export const RateLimit = Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()]);
/** Svix's channel (`MessageIn.channels`, `EndpointIn.channels`). */
export const Channel = Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9\\-_.:+]+$' });
/** Svix's message tag. */
export const Tag = Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9\\-_./\\\\#]+$' });
export const DateTime = Type.String({ format: 'date-time' });
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** The `event_types` filter of list queries. The svix SDK joins the list with commas; repeated parameters work too. */
export const EventTypesQuery = Type.Optional(Nullable(Type.Union([Type.String(), Type.Array(Type.String())])));

const eventTypeNamePattern = new RegExp(EventTypeName.pattern!);

/** The distinct names of an `event_types` filter, or null for no filter; a 422 for a name no event type can have. */
export function eventTypesOf(value: string | string[] | null | undefined): string[] | null {
  if (value == null) return null;
  const names = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  const bad = names.filter((n) => n.length > EventTypeName.maxLength! || !eventTypeNamePattern.test(n));
  if (bad.length > 0) throw ValidationError.field(['query', 'event_types'], `not event type names: ${bad.join(', ')}`, 'value_error.str.regex');
  return names.length === 0 ? null : [...new Set(names)];
}

/**
 * A uid may not start with its object's id prefix (`app_`, `ep_`): lookups take an id or a uid,
 * and this keeps them unambiguous (Svix's rule too).
 */
export function assertUidNotId(prefix: IdPrefix, uid: string | null | undefined, loc: string[]): void {
  if (typeof uid === 'string' && uid.startsWith(`${prefix}_`)) {
    throw ValidationError.field(loc, `a uid may not start with "${prefix}_", the prefix of ids`, 'value_error.uid');
  }
}

/** Path parameter: an id or a uid. */
export const IdOrUid = Type.String({ minLength: 1, maxLength: 256 });

/** The path parameters of `/app/{app_id}/…` routes, defined once. */
export const AppPath = Type.Object({ app_id: IdOrUid });
export const EndpointPath = Type.Object({ app_id: IdOrUid, endpoint_id: IdOrUid });
export const MessagePath = Type.Object({ app_id: IdOrUid, msg_id: IdOrUid });

const uidRegExp = new RegExp(uidPattern);

/**
 * A path id-or-uid that names nothing and is about to become the uid of a created object (PUT
 * upserts, a message or portal request that creates its app): it must pass the rules a body
 * `uid` passes (`Uid`'s pattern and length, no id prefix), or the request is 422 at `loc`.
 */
export function assertPathUid(prefix: IdPrefix, value: string, loc: string[]): void {
  if (value.length > Uid.maxLength! || !uidRegExp.test(value)) {
    throw ValidationError.field(loc, `nothing has this id or uid, and it cannot become a uid: ${Uid.maxLength} characters at most, letters, digits, "-", "_" and "." only`, 'value_error.uid');
  }
  assertUidNotId(prefix, value, loc);
}

/** RFC 3339 with a zone, as Svix answers. */
export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
